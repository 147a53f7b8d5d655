// The agent's line to its host's pty host (agent/pty-host/): requests for a client's sessions,
// and the contract frames the pty host addresses to that client, passed on unread. Starts the pty
// host when none answers. If the pty host itself dies, its sessions died with it: a new one (a
// new epoch) is started, and windows end those tabs.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { openSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { CONTROL, FrameDecoder } from '../../shared/stdio-frames.js';
import { RpcError, type ErrorCode } from '../../shared/errors.js';
import { log } from '../proc.js';
import { ptyHostSocket, writeControl, type PtyMethod, type PtyToAgent } from '../pty-host/protocol.js';

const text = new TextDecoder();
const START_WAIT_MS = 5000;

function tryConnect(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = connect(path, () => resolve(s));
    s.once('error', () => resolve(undefined));
  });
}

export class PtyHostClient extends EventEmitter {
  private sock?: Socket;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private stopped = false;
  /** The pty host's run: sessions belong to it (HostInfo.epoch). */
  epoch = '';

  /** The socket in use (the hub passes it to an admin agent that takes this host over). */
  socketPath = '';

  /**
   * `theirs`: another user's pty host (an admin agent serves the shells of the limited agent it
   * replaced): connected to only, never started or restarted.
   */
  constructor(private readonly bundleDir: string, private readonly theirs?: string) {
    super();
  }

  /** Connects, starting the pty host first when none answers; resolves once it said hello. */
  async connect(): Promise<void> {
    if (this.theirs) {
      const sock = await tryConnect(this.theirs);
      if (!sock) throw new Error(`no pty host answers at ${this.theirs}`);
      this.socketPath = this.theirs;
      return this.attach(sock);
    }
    const path = ptyHostSocket();
    this.socketPath = path;
    let sock = await tryConnect(path);
    if (!sock) {
      this.startHost(path);
      const deadline = Date.now() + START_WAIT_MS;
      while (!sock && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        sock = await tryConnect(path);
      }
      if (!sock) throw new Error(`the pty host did not start within ${START_WAIT_MS / 1000} s (see ${dirname(path)}/pty-host.log)`);
    }
    await this.attach(sock);
  }

  private startHost(path: string): void {
    const logFd = openSync(join(dirname(path), 'pty-host.log'), 'a', 0o600);
    // Its own session (detached): a kill of this agent, or of its process group, leaves it running.
    const child = spawn(process.execPath, [join(this.bundleDir, 'pty-host.cjs')], {
      detached: true, stdio: ['ignore', 'ignore', logFd], env: { PATH: process.env.PATH, LANG: process.env.LANG ?? 'C.UTF-8', XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR },
    });
    child.unref();
  }

  private attach(sock: Socket): Promise<void> {
    this.sock = sock;
    const decoder = new FrameDecoder();
    return new Promise((ready) => {
      sock.on('data', (chunk: Buffer) => {
        for (const { channel, payload } of decoder.push(chunk)) {
          if (channel !== CONTROL) {
            this.emit('frame', `c${channel}`, payload);
            continue;
          }
          const m = JSON.parse(text.decode(payload)) as PtyToAgent;
          if (m.t === 'hello') {
            this.epoch = m.epoch;
            ready();
          } else {
            const w = this.waiting.get(m.id);
            this.waiting.delete(m.id);
            if (m.ok) w?.resolve(m.result);
            else w?.reject(new RpcError(m.error.code as ErrorCode, m.error.message));
          }
        }
      });
      sock.on('error', (e) => log(`agent: pty host connection: ${e.message}`));
      sock.on('close', () => this.lost());
    });
  }

  /** The pty host went away (it crashed, or was killed): its shells are gone. Start another. */
  private lost(): void {
    this.sock = undefined;
    for (const w of this.waiting.values()) w.reject(new RpcError('unavailable', 'the host\'s terminal process stopped; its shells ended'));
    this.waiting.clear();
    if (this.stopped) return;
    this.emit('lost');
    if (this.theirs) {
      // Its shells ended with it, and it is not ours to restart.
      this.epoch = '';
      this.emit('epoch', '');
      return;
    }
    this.connect().then(() => this.emit('epoch', this.epoch), (e: Error) => {
      log(`agent: cannot restart the pty host: ${e.message}`);
      setTimeout(() => this.lost(), 1000);
    });
  }

  request<T = unknown>(owner: string, method: PtyMethod, params: unknown = {}): Promise<T> {
    const sock = this.sock;
    if (!sock) return Promise.reject(new RpcError('unavailable', 'the host\'s terminal process is restarting; try again'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      writeControl(sock, { t: 'req', id, owner, method, params });
    });
  }

  /** This agent stops: its clients' sessions wait in the pty host for a re-attach. */
  stop(): void {
    this.stopped = true;
    this.sock?.end();
  }
}
