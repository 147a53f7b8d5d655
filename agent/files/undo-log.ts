// File changes the app applied (network files, .nspawn settings), kept on disk on the host they changed, so that Undo and the
// previous text of every replaced file (the backup) outlive a restart of the app. One JSON file per
// change, written atomically, readable by root only; the newest KEEP are kept, ordered by a
// sequence number (a clock set back must not make the newest change un-undoable). Records are
// validated when read: a record's path names a network file, never anything else.
import { z } from 'zod';
import { MachineName } from '../../shared/names.js';
import { RpcError } from '../../shared/errors.js';
import { removeFile, writeAtomic } from './atomic-write.js';
import { ABSENT, MAX_FILE_BYTES, type RootedTree } from './rooted-tree.js';
import { log } from '../proc.js';

export const UNDO_DIR = '/var/lib/nspawn-desktop/network-undo';
const KEEP = 20;
const TOKEN = /^[0-9a-f]{16}$/;
const RECORD_FILE = /^[0-9a-f]{16}\.json$/;
/** Only files a network apply can write: a .network file or our drop-in, in /etc or /run. */
export const NETWORK_FILE = /^\/(etc|run)\/systemd\/network\/(?!\.)[A-Za-z0-9@_:.+-]+\.network(\.d\/(?!\.)[A-Za-z0-9@_:.+-]+\.conf)?$/;

const UndoFile = z.object({
  side: z.enum(['host', 'container']),
  /** The path on its side, e.g. /etc/systemd/network/10-ve-db.network (each log allows its own kind). */
  rel: z.string().max(512).regex(/^\/(etc|run)\/systemd\/[A-Za-z0-9@_:.+/-]+$/, 'not a systemd file path').refine((p) => !p.split('/').includes('..'), "'..' in a path"),
  /** The text before the change (null: the change created the file). */
  before: z.string().max(MAX_FILE_BYTES).nullable(),
  /** Tag of what the change wrote: undo refuses to overwrite a file changed since. */
  afterTag: z.string().max(200),
}).strict();

export const UndoRecord = z.object({
  token: z.string().regex(TOKEN),
  /** Order of changes on this host; the newest has the highest. */
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  name: MachineName,
  /** When it was applied, for people; never used to order. */
  at: z.string().max(64),
  files: z.array(UndoFile).min(1).max(16),
}).strict();
export type UndoRecord = z.infer<typeof UndoRecord>;

export class UndoLog {
  /** `allowed`: the paths this log's records may name (a record naming another is skipped). */
  constructor(private readonly openHost: () => RootedTree, private readonly dir = UNDO_DIR, private readonly allowed = NETWORK_FILE) {}

  /** The sequence number the next record gets. */
  nextSeq(): number {
    return this.withHost((t) => this.records(t).reduce((m, r) => Math.max(m, r.seq), 0) + 1);
  }

  /** Throws when the record cannot be written (the caller then keeps it in memory only). */
  save(r: UndoRecord): void {
    UndoRecord.parse(r);
    if (!r.files.every((f) => this.allowed.test(f.rel))) throw new RpcError('internal', 'an undo record names a file this log does not keep');
    this.withHost((t) => {
      writeAtomic(t, this.path(r.token), `${JSON.stringify(r)}\n`, ABSENT, 0o600);
      for (const old of this.records(t).slice(KEEP)) removeFile(t, this.path(old.token));
    });
  }

  load(token: string): UndoRecord | undefined {
    if (!TOKEN.test(token)) return undefined;
    return this.withHost((t) => this.read(t, `${token}.json`));
  }

  /** The newest change of machine `name` that is still on record. */
  latest(name: string): UndoRecord | undefined {
    return this.withHost((t) => this.records(t).find((r) => r.name === name));
  }

  remove(token: string): void {
    if (!TOKEN.test(token)) throw new RpcError('invalid_request', 'not an undo token');
    this.withHost((t) => removeFile(t, this.path(token)));
  }

  private withHost<T>(fn: (t: RootedTree) => T): T {
    const t = this.openHost();
    try {
      return fn(t);
    } finally {
      t.close();
    }
  }

  /** Newest first. Files that are not a valid record (hand-edited, truncated) are skipped. */
  private records(t: RootedTree): UndoRecord[] {
    const out: UndoRecord[] = [];
    for (const n of t.list(this.dir)) {
      if (!RECORD_FILE.test(n)) continue;
      const r = this.read(t, n);
      if (r) out.push(r);
    }
    return out.sort((a, b) => b.seq - a.seq);
  }

  private read(t: RootedTree, fileName: string): UndoRecord | undefined {
    let text: string | null;
    try {
      text = t.read(`${this.dir}/${fileName}`).text;
    } catch (e) {
      log(`undo record ${fileName} skipped: ${(e as Error).message}`);
      return undefined;
    }
    if (text === null) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      log(`undo record ${fileName} skipped: not JSON`);
      return undefined;
    }
    const r = UndoRecord.safeParse(json);
    if (!r.success || `${r.data.token}.json` !== fileName || !r.data.files.every((f) => this.allowed.test(f.rel))) {
      log(`undo record ${fileName} skipped: not a valid record`);
      return undefined;
    }
    return r.data;
  }

  private path(token: string): string {
    return `${this.dir}/${token}.json`;
  }
}
