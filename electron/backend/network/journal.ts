// Network changes the app applied, kept on disk on the host they changed, so that Undo and the
// previous text of every replaced file (the backup) outlive a restart of the app. One JSON file per
// change, written atomically, readable by root only; the newest KEEP are kept.
import { readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ABSENT, writeAtomic } from './files.js';

export const JOURNAL_DIR = '/var/lib/nspawn-desktop/network-undo';
const KEEP = 20;
const TOKEN = /^[0-9a-f]{16}$/;
const RECORD_FILE = /^[0-9a-f]{16}\.json$/;

const UndoRecord = z.object({
  token: z.string().regex(TOKEN),
  name: z.string(),
  at: z.string(),
  files: z.array(z.object({
    side: z.enum(['host', 'container']),
    /** The path on its side, e.g. /etc/systemd/network/10-ve-db.network. */
    rel: z.string(),
    /** The text before the change (null: the change created the file). */
    before: z.string().nullable(),
    /** Tag of what the change wrote: undo refuses to overwrite a file changed since. */
    afterTag: z.string(),
  })),
});
export type UndoRecord = z.infer<typeof UndoRecord>;

export class UndoJournal {
  constructor(private readonly dir: string) {}

  /** Throws when the record cannot be written (the caller then keeps it in memory only). */
  save(r: UndoRecord): void {
    writeAtomic(this.path(r.token), `${JSON.stringify(r)}\n`, ABSENT, 0o600);
    for (const old of this.records().slice(KEEP)) this.remove(old.token);
  }

  load(token: string): UndoRecord | undefined {
    if (!TOKEN.test(token)) return undefined;
    return this.read(this.path(token));
  }

  /** The newest change of machine `name` that can still be undone. */
  latest(name: string): UndoRecord | undefined {
    return this.records().find((r) => r.name === name);
  }

  remove(token: string): void {
    try {
      unlinkSync(this.path(token));
    } catch {
      // already gone
    }
  }

  /** Newest first. Files that are not a valid record (hand-edited, truncated) are skipped. */
  private records(): UndoRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => RECORD_FILE.test(n));
    } catch {
      return [];
    }
    const out: { r: UndoRecord; mtime: number }[] = [];
    for (const n of names) {
      const r = this.read(join(this.dir, n));
      if (r) out.push({ r, mtime: statSync(join(this.dir, n)).mtimeMs });
    }
    return out.sort((a, b) => b.r.at.localeCompare(a.r.at) || b.mtime - a.mtime).map((x) => x.r);
  }

  private read(path: string): UndoRecord | undefined {
    try {
      const r = UndoRecord.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      return r.success ? r.data : undefined;
    } catch {
      return undefined;
    }
  }

  private path(token: string): string {
    return join(this.dir, `${token}.json`);
  }
}
