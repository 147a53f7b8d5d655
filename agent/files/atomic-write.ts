// Replaces a file inside a rooted tree so that readers see the old or the new text, never a part:
// tag check, temp file (O_EXCL|O_NOFOLLOW) in the resolved directory fd, fsync, rename, fsync of
// the directory. Refuses with 'conflict' when the file changed since it was read, and refuses to
// write through a symlinked directory or over anything but a regular file or a symlink (which
// rename replaces, never follows).
import { randomBytes } from 'node:crypto';
import { closeSync, constants as C, fstatSync, fsyncSync, lstatSync, openSync, readdirSync, renameSync, rmSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { RpcError } from '../../shared/errors.js';
import { fileError, unsupported } from './file-errors.js';
import { ABSENT, fdPath, MAX_FILE_BYTES, tagOf, type RootedTree } from './rooted-tree.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const tempPattern = (base: string) => new RegExp(`^\\.${escape(base)}\\.nsd-[0-9a-f]{12}\\.tmp$`);

/** Names among `names` that are temp files of ours for `base` (a killed writer left them). */
export function staleTempNames(names: string[], base: string): string[] {
  const re = tempPattern(base);
  return names.filter((n) => re.test(n));
}

const dirOf = (rel: string) => rel.slice(0, rel.lastIndexOf('/')) || '/';
const baseOf = (rel: string) => rel.slice(rel.lastIndexOf('/') + 1);

function lstatIn(dirFd: number, name: string): Stats | undefined {
  try {
    return lstatSync(fdPath(dirFd, name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Writes `text` to `rel` in `tree` (null removes it) when its tag is still `expectedTag`.
 * Returns the new tag.
 */
export function writeAtomic(tree: RootedTree, rel: string, text: string | null, expectedTag: string, mode = 0o644): string {
  const where = tree.where(rel);
  const bytes = text === null ? null : Buffer.from(text, 'utf8');
  if (bytes && bytes.length > MAX_FILE_BYTES) throw unsupported(`${where}: the new text is over ${MAX_FILE_BYTES / 1048576} MiB; not written`);
  const current = tree.read(rel);
  if (current.tag !== expectedTag) throw new RpcError('conflict', `${where} changed since it was read; reload and apply again`);
  if (text === null && current.text === null) return ABSENT;
  const dirFd = tree.openDirForWrite(dirOf(rel));
  const name = baseOf(rel);
  try {
    const st = lstatIn(dirFd, name);
    if (st && !st.isFile() && !st.isSymbolicLink()) throw unsupported(`${where} is not a regular file; not replaced`);
    if (bytes === null) {
      if (st) unlinkSync(fdPath(dirFd, name));
      fsyncSync(dirFd);
      return ABSENT;
    }
    for (const stale of staleTempNames(readdirSync(fdPath(dirFd)), name)) unlinkSync(fdPath(dirFd, stale));
    const tmp = `.${name}.nsd-${randomBytes(6).toString('hex')}.tmp`;
    const fd = openSync(fdPath(dirFd, tmp), C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, mode);
    let tag: string;
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off);
      fsyncSync(fd);
      tag = tagOf(fstatSync(fd), bytes);
    } catch (e) {
      closeSync(fd);
      rmSync(fdPath(dirFd, tmp), { force: true });
      throw e;
    }
    closeSync(fd);
    renameSync(fdPath(dirFd, tmp), fdPath(dirFd, name));
    fsyncSync(dirFd);
    return tag;
  } catch (e) {
    throw fileError(e, where);
  } finally {
    closeSync(dirFd);
  }
}

/** Removes `rel` (a regular file or symlink) if it exists; never through a symlinked directory. */
export function removeFile(tree: RootedTree, rel: string): void {
  const r = tree.resolve(rel, { followLast: false, noDirSymlinks: true });
  if (!r) return;
  try {
    if (!r.st.isFile() && !r.st.isSymbolicLink()) throw unsupported(`${tree.where(rel)} is not a regular file; not removed`);
    unlinkSync(fdPath(r.dirFd, r.name));
    fsyncSync(r.dirFd);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError(e, tree.where(rel));
  } finally {
    closeSync(r.dirFd);
  }
}
