// The pty host: one per managed host, started by the first agent that needs it (detached, so it
// outlives that agent). It holds every shell of the host; agents connect over a unix socket. When
// an agent goes away its clients' sessions wait GRACE_MS for a re-attach, as after a page reload.
// It exits once no agent and no session has been left for IDLE_MS.
import { randomBytes } from 'node:crypto';
import { existsSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { CONTROL, FrameDecoder } from '../../shared/stdio-frames.js';
import { RpcError } from '../../shared/errors.js';
import { ptyHostPrefix } from '../../shared/terminal-ids.js';
import { TerminalService, type OpenRequest } from '../terminals/service.js';
import { writeFrame } from '../frame-writer.js';
import { ownerChannel, ptyHostSocket, writeControl, type AgentToPty } from './protocol.js';

const IDLE_MS = 30_000;
const text = new TextDecoder();
const log = (m: string) => process.stderr.write(`[pty-host ${process.pid}] ${m}\n`);

const epoch = randomBytes(8).toString('hex');
const terminals = new TerminalService(ptyHostPrefix(epoch));
const agents = new Map<number, Socket>();
let nextAgent = 1;
let idleSince = Date.now();

/** Sessions are owned by `A:cN`: client cN of agent connection A. */
const split = (owner: string) => {
  const i = owner.indexOf(':');
  return { agent: Number(owner.slice(0, i)), client: owner.slice(i + 1) };
};

function toAgent(owner: string, name: string, payload: unknown): void {
  if (!owner) return; // orphaned: the output is in the session's history
  const { agent, client } = split(owner);
  const sock = agents.get(agent);
  if (sock) writeFrame(sock, ownerChannel(client), JSON.stringify({ t: 'evt', name, payload }));
}
terminals.on('data', (owner: string, p: unknown) => toAgent(owner, 'terminal.data', p));
terminals.on('exit', (owner: string, p: unknown) => toAgent(owner, 'terminal.exit', p));
terminals.on('moved', (owner: string, p: unknown) => toAgent(owner, 'terminal.moved', p));
terminals.on('flushed', (owner: string, p: unknown) => toAgent(owner, 'terminal.flushed', p));

async function handle(agent: number, r: AgentToPty): Promise<unknown> {
  const owner = `${agent}:${r.owner}`;
  // The agent validated these against the contract before sending them.
  const p = r.params as { id: string; token: string; data: string; interrupt?: boolean; cols: number; rows: number; chars: number; handoff: string };
  switch (r.method) {
    case 'open': return terminals.open(owner, r.params as OpenRequest);
    case 'reattach': return terminals.reattach(owner, p.id, p.token, p.cols, p.rows);
    case 'write': return terminals.write(owner, p.id, p.data, p.interrupt === true);
    case 'resize': return terminals.resize(owner, p.id, p.cols, p.rows);
    case 'ack': return terminals.ack(owner, p.id, p.chars);
    case 'close': return terminals.close(owner, p.id);
    case 'handoff': return { handoff: terminals.handoff(owner, p.id) };
    case 'adopt': return terminals.adopt(owner, p.handoff, p.cols, p.rows);
    case 'closeOwner': return terminals.closeOwner(owner);
    case 'count': return terminals.count();
    default: throw new RpcError('unknown_method', `pty host: no method ${String(r.method)}`);
  }
}

function serve(sock: Socket): void {
  const agent = nextAgent++;
  agents.set(agent, sock);
  const decoder = new FrameDecoder();
  writeControl(sock, { t: 'hello', epoch });
  sock.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch (e) {
      log(`agent ${agent} sent a broken frame (${(e as Error).message}); dropping it`);
      sock.destroy();
      return;
    }
    for (const { channel, payload } of frames) {
      if (channel !== CONTROL) continue;
      const r = JSON.parse(text.decode(payload)) as AgentToPty;
      handle(agent, r).then(
        (result) => writeControl(sock, { t: 'res', id: r.id, ok: true, result: result ?? null }),
        (e: unknown) => {
          const err = e instanceof RpcError ? e : new RpcError('internal', (e as Error).message);
          writeControl(sock, { t: 'res', id: r.id, ok: false, error: { code: err.code, message: err.message } });
        },
      );
    }
  });
  sock.on('error', (e) => log(`agent ${agent}: ${e.message}`));
  sock.on('close', () => {
    agents.delete(agent);
    // Its clients' sessions wait for a re-attach (through whichever agent comes next).
    terminals.closeOwners((o) => split(o).agent === agent);
    idleSince = Date.now();
  });
}

/** Another pty host answering on the socket means this one is not needed. */
function alive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function main(): Promise<void> {
  const path = ptyHostSocket();
  if (existsSync(path)) {
    if (await alive(path)) {
      log('another pty host is running; exiting');
      return;
    }
    unlinkSync(path); // left by one that died
  }
  const server = createServer(serve);
  server.on('error', (e) => {
    log(`cannot listen on ${path}: ${e.message}`);
    process.exit(1);
  });
  const old = process.umask(0o077);
  server.listen(path, () => process.umask(old));
  setInterval(() => {
    if (agents.size || terminals.count()) idleSince = Date.now();
    else if (Date.now() - idleSince > IDLE_MS) {
      server.close();
      process.exit(0);
    }
  }, 1000).unref();
  // Keep running while listening (the interval is unref'd so it never holds an exiting host).
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      terminals.closeAll();
      process.exit(0);
    });
  }
}

main().catch((e: unknown) => {
  log(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});
