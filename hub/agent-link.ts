// The hub's connection to one host's agent: starts it through its launcher, routes each client's
// frames over one stdio channel per client, and supervises it: an agent that exits is restarted
// with backoff while clients are told the host is reconnecting, and requests in flight are
// answered with 'unavailable' instead of hanging. Client frames pass through as text: the agent's
// dispatcher validates them; the hub only reads a request's id.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { HostInfo, HostProblem, ServerFrame } from '../shared/contract.js';
import { RpcError } from '../shared/errors.js';
import { CONTROL, encodeFrame, FrameDecoder, type ControlMessage } from '../shared/stdio-frames.js';
import type { Launcher } from './launchers.js';
import { log } from './log.js';

/** A frame for a client: JSON text, or its UTF-8 bytes as the agent sent them (no re-encoding). */
export type ClientFrameOut = string | Uint8Array;

/** One client's channel to this host's agent. */
export interface AgentChannel {
  /** A request the hub already parsed (to read its id and host), forwarded as the client's text. */
  forward(id: number, json: string): void;
  close(): void;
}

interface LinkClient { send: (json: ClientFrameOut) => void; pending: Set<number> }

const MAX_BACKOFF_MS = 5000;
const FIRST_BACKOFF_MS = 250;
/** After a failure that waiting will not fix (a host key, a refused login): retried rarely, or on request. */
const LASTING_RETRY_MS = 60_000;
/** An agent that stayed up this long restarts quickly again after its next exit. */
const STABLE_MS = 10_000;
const RESPONSE_ID = /^\{"t":"res","id":(\d+)/;

const dec = new TextDecoder();
const enc = new TextEncoder();


export class AgentLink extends EventEmitter {
  private proc?: ChildProcess;
  private ready = false;
  private stopped = false;
  private backoffMs = FIRST_BACKOFF_MS;
  private readyAt = 0;
  private lastError?: string;
  private lastProblem?: HostProblem;
  private restartTimer?: NodeJS.Timeout;
  private readonly clients = new Map<number, LinkClient>();
  private nextClient = 1;
  /** How many times the agent was started (for tests and the bench). */
  starts = 0;
  /** The agent's pty host socket, from its ready message. */
  ptySocket?: string;

  /**
   * `once`: an agent that exits before it was ever ready is not started again (pkexec said no, or
   * the person dismissed the prompt: asking again in a loop would be wrong); `failed` is emitted.
   */
  constructor(readonly launcher: Launcher, private readonly opts: { once?: boolean } = {}) {
    super();
  }

  /** Why the agent is not running, when it is not. */
  get error(): string | undefined {
    return this.lastError;
  }

  /** Starts the agent; resolves when it is ready, or after `timeoutMs` with the agent still retrying. */
  start(timeoutMs = 20_000): Promise<void> {
    this.launch();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.ready ? this.proc?.pid : undefined;
  }

  get isReady(): boolean {
    return this.ready;
  }

  private status(): HostInfo {
    return { label: this.launcher.label, kind: this.launcher.kind, busAddress: '', connected: false, error: this.lastError ?? 'starting the agent…', problem: this.lastProblem };
  }

  /** Starts the agent without waiting (listen for 'ready', or 'failed' with `once`). */
  launchNow(): void {
    this.launch();
  }

  private launch(): void {
    if (this.stopped) return;
    const prepared = this.launcher.prepare?.();
    if (!prepared) return this.spawnAgent();
    // An explained failure (a launcher's own words, e.g. a refused host key) is shown as it is.
    prepared.then(() => this.spawnAgent(), (e: Error & { lasting?: boolean; explained?: boolean; problem?: HostProblem }) => {
      if (!this.stopped) this.down(e.explained ? e.message : `cannot start the agent on ${this.launcher.label}: ${e.message}`, e.lasting, e.problem);
    });
  }

  private spawnAgent(): void {
    if (this.stopped) return;
    let argv: string[];
    try {
      argv = this.launcher.argv();
    } catch (e) {
      this.down(`cannot start the agent on ${this.launcher.label}: ${(e as Error).message}`);
      return;
    }
    this.starts++;
    const proc = spawn(argv[0], argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Only what the agent needs: never this process's bus address or tokens.
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: process.env.LANG ?? 'C.UTF-8', NSD_HOST_LABEL: this.launcher.label, NSD_HOST_KIND: this.launcher.kind,
        // ssh finds the user's config, keys and known_hosts through HOME, and their agent through SSH_AUTH_SOCK.
        ...(this.launcher.kind === 'ssh' ? { HOME: process.env.HOME, USER: process.env.USER, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR } : {}),
        ...this.launcher.env?.(),
      },
    });
    this.proc = proc;
    const decoder = new FrameDecoder();
    proc.stdout!.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = decoder.push(chunk);
      } catch (e) {
        log(`the agent on ${this.launcher.label} sent a broken frame (${(e as Error).message}); restarting it`);
        proc.kill('SIGKILL');
        return;
      }
      for (const { channel, payload } of frames) this.fromAgent(channel, payload);
    });
    let errTail = '';
    proc.stderr!.on('data', (d: Buffer) => {
      const s = d.toString();
      errTail = (errTail + s).slice(-2000);
      for (const line of s.split('\n')) if (line.trim()) process.stderr.write(`[agent ${this.launcher.label}] ${line}\n`);
    });
    proc.stdin!.on('error', (e) => log(`writing to the agent on ${this.launcher.label}: ${e.message}`));
    proc.on('error', (e) => {
      if (this.proc === proc) this.down(`cannot start the agent on ${this.launcher.label}: ${e.message}`);
    });
    proc.on('exit', (code, signal) => {
      // Under nsenter the agent is nsenter's child: if only nsenter died, closing the pipes ends
      // the agent too (EOF on stdin), so no orphan keeps its sessions.
      proc.stdin?.destroy();
      proc.stdout?.destroy();
      if (this.proc !== proc) return;
      const why = signal ? `signal ${signal}` : `exit code ${code}`;
      const reason = lastTellingLine(errTail);
      const plain = `the agent on ${this.launcher.label} stopped (${why})${reason ? `: ${reason}` : ''}`;
      if (!this.launcher.explain) return this.down(plain);
      this.ready = false;
      this.launcher.explain(code, errTail).then(
        (explained) => this.proc === proc && this.down(explained?.message ?? plain, explained?.lasting, explained?.problem),
        () => this.proc === proc && this.down(plain),
      );
    });
  }

  /** The agent is gone (or never came): tell clients, answer what was in flight, retry later. */
  private down(error: string, lasting = false, problem?: HostProblem): void {
    this.lastProblem = problem;
    const wasReady = this.ready;
    this.ready = false;
    this.proc = undefined;
    const retries = !this.stopped && !(this.opts.once && !this.readyAt);
    const delay = lasting ? LASTING_RETRY_MS : this.backoffMs;
    this.lastError = this.stopped ? 'stopped' : !retries ? error : lasting ? `${error}; trying again in ${delay / 1000} s` : `${error}; reconnecting`;
    if (wasReady && Date.now() - this.readyAt > STABLE_MS) this.backoffMs = FIRST_BACKOFF_MS;
    for (const c of this.clients.values()) this.failPending(c);
    this.broadcastStatus();
    this.emit('down', error);
    if (this.stopped) return;
    if (this.opts.once && !this.readyAt) {
      this.stopped = true;
      this.emit('failed', error);
      return;
    }
    log(`${error}; restarting in ${delay} ms`);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => this.launch(), delay);
    if (!lasting) this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }

  /** Try again now (a person fixed what was wrong), not at the next retry. */
  retryNow(): void {
    if (this.stopped || this.proc || this.ready) return;
    clearTimeout(this.restartTimer);
    this.backoffMs = FIRST_BACKOFF_MS;
    this.lastError = 'connecting…';
    this.lastProblem = undefined;
    this.broadcastStatus();
    this.launch();
  }

  private failPending(c: LinkClient): void {
    for (const id of c.pending) {
      const error = new RpcError('unavailable', `the agent on ${this.launcher.label} went away before it answered; try again`).toJSON();
      c.send(JSON.stringify({ t: 'res', id, ok: false, error } satisfies ServerFrame));
    }
    c.pending.clear();
  }

  private broadcastStatus(): void {
    const frame = JSON.stringify({ t: 'evt', name: 'host.status', payload: this.status() } satisfies ServerFrame);
    for (const c of this.clients.values()) c.send(frame);
  }

  private fromAgent(channel: number, payload: Uint8Array): void {
    if (channel === CONTROL) {
      const m = JSON.parse(dec.decode(payload)) as ControlMessage;
      if (m.t === 'ready') {
        this.ready = true;
        this.ptySocket = m.ptySocket;
        this.readyAt = Date.now();
        this.lastError = undefined;
        this.lastProblem = undefined;
        // Clients connected meanwhile (or before a restart) get a session on the new agent.
        for (const c of this.clients.keys()) this.control({ t: 'open', c });
        this.emit('ready', m.epoch);
      }
      return;
    }
    const c = this.clients.get(channel);
    if (!c) return;
    const id = RESPONSE_ID.exec(dec.decode(payload.subarray(0, 40)));
    if (id) c.pending.delete(Number(id[1]));
    c.send(payload);
  }

  private write(channel: number, json: string): void {
    this.proc?.stdin?.write(encodeFrame(channel, enc.encode(json)));
  }

  private control(m: ControlMessage): void {
    this.write(CONTROL, JSON.stringify(m));
  }

  connect(send: (json: ClientFrameOut) => void): AgentChannel {
    const c = this.nextClient++;
    const client: LinkClient = { send, pending: new Set() };
    this.clients.set(c, client);
    if (this.ready) this.control({ t: 'open', c });
    else send(JSON.stringify({ t: 'evt', name: 'host.status', payload: this.status() } satisfies ServerFrame));
    return {
      forward: (id, json) => {
        if (!this.ready) {
          const error = new RpcError('unavailable', this.status().error ?? 'the agent is not running').toJSON();
          send(JSON.stringify({ t: 'res', id, ok: false, error } satisfies ServerFrame));
          return;
        }
        client.pending.add(id);
        this.write(c, json);
      },
      close: () => {
        if (!this.clients.delete(c)) return;
        // Requests in flight are answered: this channel will not carry their answers any more.
        this.failPending(client);
        if (this.ready) this.control({ t: 'close', c });
      },
    };
  }

  /** Stops the agent (its services stop with it) and does not restart it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.stdin?.end();
    const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(kill);
  }
}

/**
 * The line of a dead agent's stderr that says why: the last one that is not a stack frame or a
 * trailer (Node's version line, pkexec's "This incident has been reported.").
 */
export function lastTellingLine(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^at /.test(l) && !/^Node\.js v/.test(l) && !/incident has been reported/.test(l));
  return lines.pop();
}
