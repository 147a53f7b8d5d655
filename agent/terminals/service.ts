// `machinectl shell|login` sessions under node-pty, with batched output and ack-based flow control.
// Runs in the host's pty host (agent/pty-host/), so sessions outlive an agent that crashes.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as pty from 'node-pty';
import { FLOW, TERMINAL_LIMITS } from '../../shared/contract.js';
import { RpcError } from '../../shared/errors.js';
import { screenOf } from './session-screen.js';

export interface OpenRequest {
  machine: string;
  mode: 'shell' | 'login';
  user?: string;
  command?: string[];
  cols: number;
  rows: number;
}

interface Session {
  id: string;
  /** '' while no window holds it (its window went away; it waits GRACE_MS for one to re-attach). */
  owner: string;
  /** Proves a window may re-attach: handed out at open only. */
  token: string;
  cols: number;
  rows: number;
  orphanTimer?: NodeJS.Timeout;
  machine: string;
  mode: 'shell' | 'login';
  user?: string;
  proc: pty.IPty;
  /** Recent output in chunks, at most HISTORY_CHARS, replayed to a window that adopts it. */
  history: string[];
  historyChars: number;
  /** All output ever added to the history, to find what came after a point even once trimmed. */
  outChars: number;
  pending: string;
  timer?: NodeJS.Timeout;
  unacked: number;
  paused: boolean;
  exited: boolean;
}

/** argv for a session; the machine name is validated by the contract, never parsed by a shell. */
export function terminalArgv(r: OpenRequest): string[] {
  const base = r.mode === 'login'
    ? ['machinectl', 'login', '--', r.machine]
    : ['machinectl', 'shell', '--', `${r.user ?? 'root'}@${r.machine}`, ...(r.command ?? [])];
  return base;
}

/** Recent output kept per session: replayed to a pop-out, and rebuilt into a screen on re-attach. */
const HISTORY_CHARS = 512_000;
const HANDOFF_MS = 30_000;
/** How long a session whose window went away waits to be re-attached before it is hung up. */
export const GRACE_MS = 60_000;

export class TerminalService extends EventEmitter {
  private nextId = 1;

  /** `idPrefix`: this pty host's (shared/terminal-ids), so its ids differ from another's. */
  constructor(private readonly idPrefix: string) {
    super();
  }

  private sessions = new Map<string, Session>();
  private handoffs = new Map<string, { id: string; expires: number }>();


  open(owner: string, r: OpenRequest): { id: string; token: string } {
    const mine = [...this.sessions.values()].filter((s) => s.owner === owner).length;
    if (mine >= TERMINAL_LIMITS.PER_CLIENT) {
      throw new RpcError('limit', `this window has ${mine} shells open, the most one window may have; close one first`);
    }
    if (this.sessions.size >= TERMINAL_LIMITS.PER_HOST) {
      throw new RpcError('limit', `${this.sessions.size} shells are open on this host, the most it may have (each holds one of the 256 D-Bus connections root may have); close one first`);
    }
    const [file, ...args] = terminalArgv(r);
    const id = `t${this.idPrefix}${this.nextId++}`;
    let proc: pty.IPty;
    try {
      proc = pty.spawn(file, args, {
        name: 'xterm-256color',
        cols: r.cols,
        rows: r.rows,
        cwd: '/',
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', TERM: 'xterm-256color', LANG: process.env.LANG ?? 'C.UTF-8' },
      });
    } catch (e) {
      throw new RpcError('failed', `could not start ${file}: ${(e as Error).message}`);
    }
    const s: Session = {
      id, owner, token: randomBytes(16).toString('hex'), cols: r.cols, rows: r.rows,
      machine: r.machine, mode: r.mode, user: r.user, proc, history: [], historyChars: 0, outChars: 0,
      pending: '', unacked: 0, paused: false, exited: false,
    };
    this.sessions.set(id, s);
    proc.onData((d) => {
      s.pending += d;
      s.unacked += d.length;
      if (!s.paused && s.unacked > FLOW.HIGH_WATERMARK) {
        s.paused = true;
        proc.pause();
      }
      // Batch small reads for 5 ms; a full batch goes at once, so a flood is not held back by the timer.
      if (s.pending.length >= FLOW.BATCH_MAX_CHARS) this.flush(s);
      else s.timer ??= setTimeout(() => this.flush(s), FLOW.BATCH_MS);
    });
    proc.onExit(({ exitCode, signal }) => {
      s.exited = true;
      this.flush(s);
      this.sessions.delete(id);
      clearTimeout(s.orphanTimer);
      const reason = signal ? `session ended (signal ${signal})` : exitCode === 0 ? 'session ended' : `session ended with exit code ${exitCode}`;
      this.emit('exit', s.owner, { id, exitCode, reason });
    });
    return { id, token: s.token };
  }

  private flush(s: Session): void {
    clearTimeout(s.timer);
    s.timer = undefined;
    if (!s.pending) return;
    const data = s.pending;
    s.pending = '';
    s.history.push(data);
    s.historyChars += data.length;
    s.outChars += data.length;
    while (s.history.length > 1 && s.historyChars - s.history[0].length >= HISTORY_CHARS) s.historyChars -= s.history.shift()!.length;
    this.emit('data', s.owner, { id: s.id, data });
  }

  private get(owner: string, id: string): Session {
    const s = this.sessions.get(id);
    if (!s || s.owner !== owner) throw new RpcError('not_found', `no terminal ${id}`);
    return s;
  }

  write(owner: string, id: string, data: string, interrupt = false): void {
    const s = this.get(owner, id);
    if (interrupt) {
      // As a tty flushes its output on an interrupt: what was read and not sent yet is dropped,
      // and the window, told where output after the interrupt begins, drops what it holds.
      clearTimeout(s.timer);
      s.timer = undefined;
      s.unacked = Math.max(0, s.unacked - s.pending.length);
      s.pending = '';
      this.emit('flushed', s.owner, { id: s.id });
    }
    s.proc.write(data);
  }

  resize(owner: string, id: string, cols: number, rows: number): void {
    const s = this.get(owner, id);
    s.proc.resize(cols, rows);
    Object.assign(s, { cols, rows });
  }

  /**
   * A window takes a session back (after a reload or a dropped connection) with the token it got
   * at open, and gets its screen as escape sequences. Output from now on goes to that window only.
   */
  async reattach(owner: string, id: string, token: string, cols: number, rows: number) {
    const s = this.sessions.get(id);
    const a = Buffer.from(token);
    const b = Buffer.from(s?.token ?? '');
    if (!s || a.length !== b.length || !timingSafeEqual(a, b)) throw new RpcError('not_found', 'that session is gone (it ended, its grace period passed, or the host\'s terminal process restarted)');
    clearTimeout(s.orphanTimer);
    s.orphanTimer = undefined;
    const previous = s.owner;
    s.owner = ''; // output meanwhile goes into the history only, which the screen is built from
    // Everything so far, the batch not yet sent included, at the size the output was made for.
    this.flush(s);
    const mark = s.outChars;
    const screen = await screenOf(s.history.join(''), s.cols, s.rows);
    if (!this.sessions.has(id)) throw new RpcError('not_found', 'that session ended while it was re-attached');
    // Output that arrived while the screen was built follows it, in order.
    this.flush(s);
    const all = s.history.join('');
    const since = all.slice(Math.max(0, all.length - (s.outChars - mark)));
    s.proc.resize(cols, rows);
    Object.assign(s, { cols, rows });
    s.owner = owner;
    s.unacked = 0;
    if (s.paused) {
      s.paused = false;
      s.proc.resume();
    }
    if (previous && previous !== owner) this.emit('moved', previous, { id });
    return { id, machine: s.machine, mode: s.mode, user: s.user, screen: screen + since };
  }

  ack(owner: string, id: string, chars: number): void {
    const s = this.get(owner, id);
    s.unacked = Math.max(0, s.unacked - chars);
    if (s.paused && s.unacked < FLOW.LOW_WATERMARK) {
      s.paused = false;
      s.proc.resume();
    }
  }

  handoff(owner: string, id: string): string {
    this.get(owner, id);
    const now = Date.now();
    for (const [t, h] of this.handoffs) if (h.expires < now) this.handoffs.delete(t);
    const token = randomBytes(16).toString('hex');
    this.handoffs.set(token, { id, expires: now + HANDOFF_MS });
    return token;
  }

  /** Moves an offered session to `owner`; the previous owner is told with a 'moved' event. */
  adopt(owner: string, token: string, cols: number, rows: number) {
    const h = this.handoffs.get(token);
    this.handoffs.delete(token);
    const s = h && h.expires >= Date.now() ? this.sessions.get(h.id) : undefined;
    if (!s) throw new RpcError('not_found', 'that session is no longer offered (it ended, or 30 s passed)');
    this.flush(s);
    const previous = s.owner;
    s.owner = owner;
    // Output sent to the old window will never be acked by the new one.
    s.unacked = 0;
    if (s.paused) {
      s.paused = false;
      s.proc.resume();
    }
    s.proc.resize(cols, rows);
    this.emit('moved', previous, { id: s.id });
    // Whole chunks (≤ HISTORY_CHARS + one batch): a cut could split an escape sequence.
    return { id: s.id, machine: s.machine, mode: s.mode, user: s.user, history: s.history.join('') };
  }

  close(owner: string, id: string): void {
    const s = this.get(owner, id);
    this.kill(s);
  }

  /** A client went away: its sessions wait GRACE_MS for a window to re-attach, then hang up. */
  closeOwner(owner: string): void {
    for (const s of [...this.sessions.values()]) {
      if (s.owner !== owner) continue;
      s.owner = '';
      clearTimeout(s.orphanTimer);
      s.orphanTimer = setTimeout(() => this.kill(s), GRACE_MS);
    }
  }

  /** Every session of an owner for which `belongs` is true goes the way of closeOwner. */
  closeOwners(belongs: (owner: string) => boolean): void {
    const owners = new Set([...this.sessions.values()].map((s) => s.owner).filter((o) => o && belongs(o)));
    for (const o of owners) this.closeOwner(o);
  }

  closeAll(): void {
    for (const s of [...this.sessions.values()]) this.kill(s);
  }

  count(): number {
    return this.sessions.size;
  }

  private kill(s: Session): void {
    this.sessions.delete(s.id);
    clearTimeout(s.timer);
    clearTimeout(s.orphanTimer);
    if (s.exited) return;
    // machinectl forwards SIGHUP to the session as a hangup, as closing a terminal window would.
    try {
      s.proc.kill('SIGHUP');
    } catch {
      // already gone
    }
    const pid = s.proc.pid;
    setTimeout(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited after SIGHUP
      }
    }, 2000).unref();
  }
}
