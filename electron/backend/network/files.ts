// Config files read with a tag and written atomically: temp file, fsync, rename, fsync directory.
// A write refuses with 'conflict' when the file changed since it was read.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RpcError } from '../../../shared/errors.js';

export const ABSENT = 'absent';

export interface TaggedFile {
  path: string;
  text: string | null;
  tag: string;
  symlinkTarget?: string;
}

/**
 * Follows a symlink the way the system that owns `root` would: an absolute target is inside
 * that root (through /proc/PID/root it would otherwise resolve against ours).
 */
export function resolveIn(root: string, abs: string, depth = 0): string {
  try {
    if (depth > 8 || !lstatSync(abs).isSymbolicLink()) return abs;
    const t = readlinkSync(abs);
    return resolveIn(root, t.startsWith('/') ? join(root || '/', t) : join(dirname(abs), t), depth + 1);
  } catch {
    return abs;
  }
}

export function tagOf(path: string, text: string | null): string {
  if (text === null) return ABSENT;
  const st = statSync(path);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return `${st.ino}:${st.size}:${Math.trunc(st.mtimeMs)}:${hash}`;
}

export function readTagged(path: string, root = ''): TaggedFile {
  let symlinkTarget: string | undefined;
  try {
    if (lstatSync(path).isSymbolicLink()) symlinkTarget = readlinkSync(path);
  } catch {
    return { path, text: null, tag: ABSENT };
  }
  try {
    const real = symlinkTarget ? resolveIn(root, path) : path;
    const text = readFileSync(real, 'utf8');
    return { path, text, tag: tagOf(real, text), symlinkTarget };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { path, text: null, tag: ABSENT, symlinkTarget };
    throw e;
  }
}

const TEMP = (base: string) => new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.nsd-[0-9a-f]{12}\\.tmp$`);

/** Temp files of ours that a killed writer left behind (the file itself was never touched). */
export function staleTemps(dir: string, base: string): string[] {
  try {
    return readdirSync(dir).filter((f) => TEMP(base).test(f));
  } catch {
    return [];
  }
}

function removeStaleTemps(dir: string, base: string): void {
  for (const f of staleTemps(dir, base)) {
    try {
      unlinkSync(join(dir, f));
    } catch {
      // another writer's, gone already
    }
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `text` so that readers see either the old or the new file, never a part.
 * `text === null` removes the file. Throws RpcError('conflict') when the current tag differs.
 */
export function writeAtomic(path: string, text: string | null, expectedTag: string, mode = 0o644): string {
  const current = readTagged(path);
  if (current.tag !== expectedTag) {
    throw new RpcError('conflict', `${path} changed since it was read; reload the form and apply again`);
  }
  const dir = dirname(path);
  if (text === null) {
    if (current.text !== null) {
      unlinkSync(path);
      fsyncDir(dir);
    }
    return ABSENT;
  }
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  removeStaleTemps(dir, basename(path));
  const tmp = join(dir, `.${basename(path)}.nsd-${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // best effort
    }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dir);
  return tagOf(path, text);
}
