// Streams `journalctl -o json -f` of a container (-M NAME) or of its unit on the host, in batches.
// Each journalctl runs in a process group of its own (under nsenter it is nsenter's child), so a
// stop kills the whole group. Flow control: above JOURNAL_FLOW.HIGH entries the client has not
// acked, reading stops (journalctl then blocks on its pipe) until the client catches up.
// A watchdog: journalctl 252 (Debian 12), started while journald writes fast, sometimes never
// wakes for new entries (reproduced: about one start in three during a 30,000-line burst, with -M
// and with -D alike). A quiet follower is compared with the journal's newest matching entry, and
// one that stays behind is replaced by a journalctl that continues after the last entry it gave.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Host } from '../host.js';
import { JOURNAL_FLOW, type JournalEntry } from '../../shared/contract.js';
import { RpcError } from '../../shared/errors.js';
import { log, run } from '../proc.js';

const BATCH_MS = 50;
/** How often a follower is checked; it is replaced after STALLED_CHECKS checks behind. A quiet one
 * found up to date is checked half as often each time, down to once in CHECK_MAX_MS (each check
 * is a journalctl run): the stall comes with bursts, and a burst resets the pace. */
const CHECK_MS = 4000;
const CHECK_MAX_MS = 32_000;
const STALLED_CHECKS = 2;
/** What a journal cursor looks like (s=…;i=…;b=…;m=…;t=…;x=…): it goes back to journalctl as an argument. */
const CURSOR = /^[a-z]=[0-9a-f]+(;[a-z]=[0-9a-f]+)*$/;
const MAX_MESSAGE = 4000;
/** A JSON line longer than this (a huge binary field) is skipped, not buffered. */
const MAX_LINE = 1024 * 1024;

export interface FollowRequest { name: string; source: 'container' | 'unit'; priority: number; lines: number; boot?: number }

interface Stream {
  id: string; owner: string; req: FollowRequest; proc?: ChildProcess; pending: JournalEntry[]; timer?: NodeJS.Timeout;
  unacked: number; paused: boolean;
  /** The cursor of the last entry read, whether the reader said anything since the last check, and checks found behind. */
  cursor?: string; heard: boolean; behind: number; check?: NodeJS.Timeout; checkMs: number;
  /** The newest entry when the reader was last replaced: one it cannot give (a line too long) must not replace it again and again. */
  replacedFor?: string;
}

/** One journal JSON line → an entry and its cursor; MESSAGE may be a byte array for non-UTF-8 text. */
export function parseJournalLine(line: string): { entry?: JournalEntry; cursor?: string } {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return {};
  }
  const cursor = typeof j.__CURSOR === 'string' && CURSOR.test(j.__CURSOR) ? j.__CURSOR : undefined;
  let message = j.MESSAGE;
  if (Array.isArray(message)) message = Buffer.from(message as number[]).toString('utf8');
  if (typeof message !== 'string') return { cursor };
  return { cursor, entry: {
    ts: Number(j.__REALTIME_TIMESTAMP ?? 0) / 1000,
    priority: Number(j.PRIORITY ?? 6),
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message,
    ident: typeof j.SYSLOG_IDENTIFIER === 'string' ? j.SYSLOG_IDENTIFIER : typeof j._COMM === 'string' ? j._COMM : undefined,
    pid: typeof j._PID === 'string' ? j._PID : undefined,
  } };
}

/** journalctl's selection for a request: the container's journal or its unit's on the host, at or above a priority. */
function selection(r: FollowRequest): string[] {
  return ['-p', String(r.priority), ...(r.source === 'container' ? ['-M', r.name] : ['-u', `systemd-nspawn@${r.name}.service`])];
}

let nextId = 1;

export class JournalService extends EventEmitter {
  private streams = new Map<string, Stream>();

  constructor(private readonly host: Host) {
    super();
  }

  follow(owner: string, r: FollowRequest): string {
    const id = `j${nextId++}`;
    // An earlier boot is read to its end; this one is followed.
    const when = r.boot ? ['-b', String(r.boot)] : ['-f'];
    const s: Stream = { id, owner, req: r, pending: [], unacked: 0, paused: false, heard: false, behind: 0, checkMs: CHECK_MS };
    this.streams.set(id, s);
    this.read(s, [...when, '-n', String(r.lines)]);
    if (!r.boot) this.scheduleCheck(s);
    return id;
  }

  /** Starts (or replaces) the stream's journalctl; `where` says where it starts reading. */
  private read(s: Stream, where: string[]): void {
    const argv = ['journalctl', '--no-pager', '-o', 'json', ...where, ...selection(s.req)];
    const proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    s.proc = proc;
    let buf = '';
    let skipping = false;
    let err = '';
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => {
      if (s.proc !== proc) return; // replaced: its successor reads on from the last cursor
      s.heard = true;
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const { entry, cursor } = skipping ? {} : parseJournalLine(buf.slice(0, nl));
        skipping = false;
        buf = buf.slice(nl + 1);
        if (cursor) s.cursor = cursor;
        if (entry) s.pending.push(entry);
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
      if (s.proc !== proc) return;
      this.flush(s);
      clearTimeout(s.check);
      if (this.streams.delete(s.id)) {
        this.emit('entries', s.owner, { id: s.id, entries: [], ended: code === 0 ? (s.req.boot ? 'end of that boot\'s journal' : 'journal ended') : `journalctl exited (${code}): ${err.trim() || 'no output'}` });
      }
    });
  }

  private scheduleCheck(s: Stream): void {
    s.check = setTimeout(() => {
      this.check(s).then(
        () => { if (this.streams.get(s.id) === s) this.scheduleCheck(s); },
        (e: Error) => log(`journal stream ${s.id}: the follow check failed, no more checks: ${e.message}`),
      );
    }, s.checkMs);
  }

  /** A follower that said nothing while the journal has a newer matching entry is behind; twice in a row, it is replaced. */
  private async check(s: Stream): Promise<void> {
    if (s.heard || s.paused) {
      s.heard = false;
      s.behind = 0;
      s.checkMs = CHECK_MS;
      return;
    }
    const newest = await this.newestCursor(s.req);
    if (this.streams.get(s.id) !== s) return;
    if (s.heard || newest === undefined || newest === s.cursor || newest === s.replacedFor) {
      s.behind = 0;
      if (!s.heard) s.checkMs = Math.min(CHECK_MAX_MS, s.checkMs * 2);
      return;
    }
    s.checkMs = CHECK_MS;
    if (++s.behind < STALLED_CHECKS) return;
    log(`journal stream ${s.id}: journalctl stopped following (the journal has newer entries); a new one reads on after its last entry`);
    s.behind = 0;
    s.replacedFor = newest;
    const stuck = s.proc;
    // Without an entry yet, the client has nothing: the new reader starts as the first did.
    this.read(s, s.cursor ? ['-f', '--no-tail', `--after-cursor=${s.cursor}`] : ['-f', '-n', String(s.req.lines)]);
    if (stuck) this.killGroup(stuck, s.id);
  }

  /** The cursor of the newest entry the stream's selection matches, if any. */
  private async newestCursor(r: FollowRequest): Promise<string | undefined> {
    // One short field, not the entry: a container's entry can be large.
    const out = await run('journalctl', ['--no-pager', '-q', '-n', '1', '-o', 'cat', '--output-fields=PRIORITY', '--show-cursor', ...selection(r)], { timeoutMs: 10_000 });
    const cursor = /^-- cursor: (.+)$/m.exec(out.stdout)?.[1];
    // Unknown is not behind: never replaced on it, but said (CI once saw a stall go unnoticed).
    if (out.code !== 0) log(`journal follow check: journalctl exited ${out.code}: ${(out.stderr || out.stdout).trim().slice(-300)}`);
    return cursor && CURSOR.test(cursor) ? cursor : undefined;
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
    s.proc?.stdout?.pause();
  }

  /** The client has shown `entries` more entries. */
  ack(owner: string, id: string, entries: number): void {
    const s = this.streams.get(id);
    if (!s) return; // ended meanwhile: its last acks arrive after its end
    if (s.owner !== owner) throw new RpcError('not_found', `no journal stream ${id}`);
    s.unacked = Math.max(0, s.unacked - entries);
    if (s.paused && s.unacked + s.pending.length < JOURNAL_FLOW.LOW) {
      s.paused = false;
      s.proc?.stdout?.resume();
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
    clearTimeout(s.check);
    if (s.proc) this.killGroup(s.proc, s.id);
  }

  private killGroup(proc: ChildProcess, id: string): void {
    const pid = proc.pid;
    if (pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    try {
      // The whole group: under nsenter, journalctl is nsenter's child and SIGTERM to nsenter alone leaves it running.
      process.kill(-pid, 'SIGTERM');
      // A stopped journalctl (SIGSTOP) would keep SIGTERM pending until continued.
      process.kill(-pid, 'SIGCONT');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') log(`stopping journal stream ${id}: ${(e as Error).message}`);
    }
  }
}
