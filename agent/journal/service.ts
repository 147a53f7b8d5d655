// Streams `journalctl -o json -f` of a container (-M NAME) or of its unit on the host, in batches.
// Each journalctl runs in a process group of its own (under nsenter it is nsenter's child), so a
// stop kills the whole group. Flow control: above JOURNAL_FLOW.HIGH entries the client has not
// acked, reading stops (journalctl then blocks on its pipe) until the client catches up.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Host } from '../host.js';
import { JOURNAL_FLOW, type JournalEntry } from '../../shared/contract.js';
import { RpcError } from '../../shared/errors.js';
import { log } from '../proc.js';

const BATCH_MS = 50;
const MAX_MESSAGE = 4000;
/** A JSON line longer than this (a huge binary field) is skipped, not buffered. */
const MAX_LINE = 1024 * 1024;

interface Stream {
  id: string; owner: string; proc: ChildProcess; pending: JournalEntry[]; timer?: NodeJS.Timeout;
  unacked: number; paused: boolean;
}

/** One journal JSON line → an entry; MESSAGE may be a byte array for non-UTF-8 text. */
export function parseJournalLine(line: string): JournalEntry | undefined {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  let message = j.MESSAGE;
  if (Array.isArray(message)) message = Buffer.from(message as number[]).toString('utf8');
  if (typeof message !== 'string') return undefined;
  return {
    ts: Number(j.__REALTIME_TIMESTAMP ?? 0) / 1000,
    priority: Number(j.PRIORITY ?? 6),
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message,
    ident: typeof j.SYSLOG_IDENTIFIER === 'string' ? j.SYSLOG_IDENTIFIER : typeof j._COMM === 'string' ? j._COMM : undefined,
    pid: typeof j._PID === 'string' ? j._PID : undefined,
  };
}

let nextId = 1;

export class JournalService extends EventEmitter {
  private streams = new Map<string, Stream>();

  constructor(private readonly host: Host) {
    super();
  }

  follow(owner: string, r: { name: string; source: 'container' | 'unit'; priority: number; lines: number; boot?: number }): string {
    const target = r.source === 'container' ? ['-M', r.name] : ['-u', `systemd-nspawn@${r.name}.service`];
    // An earlier boot is read to its end; this one is followed.
    const when = r.boot ? ['-b', String(r.boot)] : ['-f'];
    const argv = ['journalctl', '--no-pager', '-o', 'json', ...when, '-n', String(r.lines), '-p', String(r.priority), ...target];
    const id = `j${nextId++}`;
    const proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const s: Stream = { id, owner, proc, pending: [], unacked: 0, paused: false };
    this.streams.set(id, s);
    let buf = '';
    let skipping = false;
    let err = '';
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const e = skipping ? undefined : parseJournalLine(buf.slice(0, nl));
        skipping = false;
        buf = buf.slice(nl + 1);
        if (e) s.pending.push(e);
      }
      if (buf.length > MAX_LINE) {
        buf = '';
        skipping = true;
      }
      if (!s.paused && s.unacked + s.pending.length > JOURNAL_FLOW.HIGH) this.pause(s);
      s.timer ??= setTimeout(() => this.flush(s), BATCH_MS);
    });
    proc.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-500); });
    proc.on('error', (e) => { err = e.message; });
    proc.on('close', (code) => {
      this.flush(s);
      if (this.streams.delete(id)) {
        this.emit('entries', owner, { id, entries: [], ended: code === 0 ? (r.boot ? 'end of that boot\'s journal' : 'journal ended') : `journalctl exited (${code}): ${err.trim() || 'no output'}` });
      }
    });
    return id;
  }

  private flush(s: Stream): void {
    clearTimeout(s.timer);
    s.timer = undefined;
    if (!s.pending.length) return;
    const entries = s.pending;
    s.pending = [];
    s.unacked += entries.length;
    this.emit('entries', s.owner, { id: s.id, entries });
  }

  private pause(s: Stream): void {
    s.paused = true;
    s.proc.stdout!.pause();
  }

  /** The client has shown `entries` more entries. */
  ack(owner: string, id: string, entries: number): void {
    const s = this.streams.get(id);
    if (!s) return; // ended meanwhile: its last acks arrive after its end
    if (s.owner !== owner) throw new RpcError('not_found', `no journal stream ${id}`);
    s.unacked = Math.max(0, s.unacked - entries);
    if (s.paused && s.unacked + s.pending.length < JOURNAL_FLOW.LOW) {
      s.paused = false;
      s.proc.stdout!.resume();
    }
  }

  stop(owner: string, id: string): void {
    const s = this.streams.get(id);
    if (!s || s.owner !== owner) throw new RpcError('not_found', `no journal stream ${id}`);
    this.kill(s);
  }

  closeOwner(owner: string): void {
    for (const s of [...this.streams.values()]) if (s.owner === owner) this.kill(s);
  }

  count(): number {
    return this.streams.size;
  }

  private kill(s: Stream): void {
    this.streams.delete(s.id);
    clearTimeout(s.timer);
    const pid = s.proc.pid;
    if (pid === undefined || s.proc.exitCode !== null || s.proc.signalCode !== null) return;
    try {
      // The whole group: under nsenter, journalctl is nsenter's child and SIGTERM to nsenter alone leaves it running.
      process.kill(-pid, 'SIGTERM');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') log(`stopping journal stream ${s.id}: ${(e as Error).message}`);
    }
  }
}
