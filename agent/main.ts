// The agent: the services of the host it runs on (machines, terminals, network, journal), reached
// by the hub over stdin/stdout frames (shared/stdio-frames.ts). It sees its host's / directly. One
// bundled file (dist/agent/agent.cjs) plus node-pty, runnable with any Node >= 20.
import { Backend, type Client } from './backend.js';
import { agentOptions } from './host.js';
import { log } from './proc.js';
import { Socket } from 'node:net';
import { writeFrame, writeFrameBytes } from './frame-writer.js';
import { CONTROL, FrameDecoder, type ControlMessage } from '../shared/stdio-frames.js';

const text = new TextDecoder();
// Node makes a stdout pipe blocking on Linux: a full pipe would stall this whole process (pty
// reads included) until the hub drained it. A socket on fd 1 writes asynchronously instead; the
// terminals' ack window bounds what can queue.
const out = new Socket({ fd: 1, readable: false, writable: true });
out.on('error', () => process.exit(0)); // the hub is gone: nothing can reach these services any more

const write = (channel: number, payload: string) => writeFrame(out, channel, payload);

async function main(): Promise<void> {
  // Beside this bundle: pty-host.cjs (esbuild keeps __dirname for CommonJS output).
  const opts = agentOptions(process.argv.slice(2), process.env);
  const backend = new Backend(opts.host, __dirname, opts.ptySocket);
  await backend.start();
  const epoch = backend.machines.info.epoch ?? '';
  const clients = new Map<number, Client>();
  const decoder = new FrameDecoder();
  const stop = async (code: number) => {
    for (const c of clients.values()) c.close();
    await backend.stop();
    process.exit(code);
  };
  process.stdin.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch (e) {
      log(`agent: the hub sent a broken frame (${(e as Error).message}); exiting`);
      void stop(2);
      return;
    }
    for (const { channel, payload } of frames) {
      if (channel === CONTROL) {
        const m = JSON.parse(text.decode(payload)) as ControlMessage;
        if (m.t === 'open' && !clients.has(m.c)) clients.set(m.c, backend.connect((f) => (f instanceof Uint8Array ? writeFrameBytes(out, m.c, f) : write(m.c, JSON.stringify(f)))));
        else if (m.t === 'close') {
          clients.get(m.c)?.close();
          clients.delete(m.c);
        }
        continue;
      }
      const client = clients.get(channel);
      if (!client) continue; // closed meanwhile
      let frame: unknown;
      try {
        frame = JSON.parse(text.decode(payload));
      } catch {
        log(`agent: client ${channel} sent a frame that is not JSON; ignored`);
        continue;
      }
      client.receive(frame).catch((e: unknown) => log(`agent: a request failed outside its handler: ${(e as Error).message}`));
    }
  });
  // The hub went away: nothing can reach these services any more.
  process.stdin.on('end', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  write(CONTROL, JSON.stringify({ t: 'ready', epoch, ptySocket: backend.terminals.socketPath } satisfies ControlMessage));
}

main().catch((e: unknown) => {
  log(`agent: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  process.exit(1);
});
