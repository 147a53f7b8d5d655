// A directory tree whose root we hold as an fd, and every path resolved inside it, the way
// systemd's chase() does: one component at a time from a directory fd, opened through
// /proc/self/fd/N/NAME with O_NOFOLLOW, symlinks read with readlink and chased from the root (or
// the current directory), `..` clamped at the root. A container's root (running: /proc/LEADER/root;
// stopped: its directory) is untrusted: this is the only way the backend touches its files.
// Node has no openat(); /proc/self/fd/N/NAME resolves N itself (our own fd) and then NAME alone.
import { createHash } from 'node:crypto';
import { closeSync, constants as C, fstatSync, lstatSync, mkdirSync, openSync, opendirSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { RpcError } from '../../shared/errors.js';
import { fileError, unsupported } from './file-errors.js';

export const MAX_FILE_BYTES = 1024 * 1024;
const MAX_SYMLINKS = 32;
const MAX_DIR_ENTRIES = 4096;
// libuv opens every fd with O_CLOEXEC.
const O_DIR = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW;

export const fdPath = (fd: number, name?: string) => (name ? `/proc/self/fd/${fd}/${name}` : `/proc/self/fd/${fd}`);

/** A file's text with a tag (inode, size, mtime, content hash); `text === null`: no such file. */
export interface TaggedFile {
  text: string | null;
  tag: string;
  /** The target of the path itself when it is a symlink (its first hop, as the tree says it). */
  symlinkTarget?: string;
}

export const ABSENT = 'absent';
/** A symlink to /dev/null: networkd and systemd treat the file as masked. */
export const MASKED = 'masked';

const split = (p: string) => p.split('/').filter((c) => c !== '' && c !== '.');

/** The parent directory (an fd the caller closes) and final name of a resolved path. */
export interface Resolved { dirFd: number; name: string; st: Stats }

export class RootedTree {
  private closed = false;

  private constructor(private readonly rootFd: number, readonly place: string) {}

  /**
   * Opens `path` as a tree's root. `path` is trusted (the host's `/`, or `/proc/LEADER/root`,
   * whose magic link is meant to be followed); nothing below it is.
   */
  static open(path: string, place: string): RootedTree {
    return new RootedTree(openSync(path, C.O_RDONLY | C.O_DIRECTORY), place);
  }

  /** A subdirectory of this tree, resolved inside it, as a tree of its own (e.g. a stopped container). */
  subtree(rel: string, place: string): RootedTree | undefined {
    const fd = this.openDir(rel);
    return fd === undefined ? undefined : new RootedTree(fd, place);
  }

  /** How the user knows a path: "/etc/systemd/network/x.network in db" (place: "in db", "on the host"). */
  where(rel: string): string {
    return `${rel} ${this.place}`;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.rootFd);
  }

  /** (device, inode) of the root, to tell two trees apart. */
  identity(): string {
    const st = fstatSync(this.rootFd);
    return `${st.dev}:${st.ino}`;
  }

  /**
   * Resolves `rel` inside the root to its parent directory and final name. Directories on the way
   * may be symlinks (chased inside) unless `noDirSymlinks`; the final component is followed only
   * with `followLast`. Undefined when a component does not exist.
   */
  resolve(rel: string, opts: { followLast: boolean; noDirSymlinks?: boolean }): Resolved | undefined {
    const r = this.walk(rel, { ...opts, wantDir: false });
    return r && 'name' in r ? r : undefined;
  }

  /** A directory fd for `rel`, chased inside the root; the caller closes it. Undefined: missing. */
  openDir(rel: string, opts: { noSymlinks?: boolean } = {}): number | undefined {
    const r = this.walk(rel, { followLast: true, noDirSymlinks: opts.noSymlinks, wantDir: true });
    return r?.dirFd;
  }

  /** A directory fd to write in: no symlink on the way, missing directories created (0755). */
  openDirForWrite(rel: string): number {
    const r = this.walk(rel, { followLast: false, noDirSymlinks: true, wantDir: true, create: true });
    if (!r) throw new RpcError('not_found', `${this.where(rel)} could not be created`);
    return r.dirFd;
  }

  private walk(rel: string, opts: { followLast: boolean; noDirSymlinks?: boolean; wantDir: boolean; create?: boolean }): Resolved | { dirFd: number } | undefined {
    const stack = [this.dup(this.rootFd)];
    const todo = split(rel);
    let hops = 0;
    try {
      while (todo.length) {
        const name = todo.shift()!;
        const cur = stack[stack.length - 1];
        if (name === '..') {
          if (stack.length > 1) closeSync(stack.pop()!);
          continue;
        }
        let st: Stats;
        try {
          st = lstatOrCreate(cur, name, !!opts.create);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw fileError(e, this.where(rel));
        }
        const last = todo.length === 0;
        if (st.isSymbolicLink() && (!last || opts.followLast || opts.wantDir)) {
          if ((!last || opts.wantDir) && opts.noDirSymlinks) {
            throw unsupported(`${this.where(rel)}: ${name} is a symbolic link; not writing through it`);
          }
          if (++hops > MAX_SYMLINKS) throw unsupported(`${this.where(rel)}: too many levels of symbolic links`);
          const target = readlinkSync(fdPath(cur, name));
          if (target.startsWith('/')) while (stack.length > 1) closeSync(stack.pop()!);
          todo.unshift(...split(target));
          continue;
        }
        if (last && !opts.wantDir) return { dirFd: stack.pop()!, name, st };
        if (!st.isDirectory()) {
          if (opts.wantDir && last) throw unsupported(`${this.where(rel)} is ${KIND(st)}, not a directory`);
          return undefined; // ENOTDIR on the way: the path names nothing
        }
        stack.push(this.openChildDir(cur, name, rel));
      }
      if (opts.wantDir) return { dirFd: stack.pop()! };
      throw unsupported(`${this.where(rel)} names a directory, not a file`);
    } finally {
      for (const fd of stack) closeSync(fd);
    }
  }

  /** Names in a directory (at most MAX_DIR_ENTRIES); a missing directory has none. */
  list(rel: string): string[] {
    const dirFd = this.openDir(rel);
    if (dirFd === undefined) return [];
    try {
      const dir = opendirSync(fdPath(dirFd));
      const names: string[] = [];
      try {
        for (let d = dir.readSync(); d; d = dir.readSync()) {
          if (names.length >= MAX_DIR_ENTRIES) throw unsupported(`${this.where(rel)} has more than ${MAX_DIR_ENTRIES} entries; not read`);
          names.push(d.name);
        }
      } finally {
        dir.closeSync();
      }
      return names;
    } catch (e) {
      throw e instanceof RpcError ? e : fileError(e, this.where(rel));
    } finally {
      closeSync(dirFd);
    }
  }

  exists(rel: string): boolean {
    const r = this.resolve(rel, { followLast: false });
    if (r) closeSync(r.dirFd);
    return !!r;
  }

  /**
   * Reads a regular file of at most MAX_FILE_BYTES, following symlinks inside the root.
   * FIFOs, devices, sockets and directories are refused without being opened.
   */
  read(rel: string): TaggedFile {
    let r = this.resolve(rel, { followLast: false });
    if (!r) return { text: null, tag: ABSENT };
    let symlinkTarget: string | undefined;
    try {
      if (r.st.isSymbolicLink()) {
        symlinkTarget = readlinkSync(fdPath(r.dirFd, r.name));
        closeSync(r.dirFd);
        r = undefined;
        if (symlinkTarget === '/dev/null') return { text: null, tag: MASKED, symlinkTarget };
        r = this.resolve(rel, { followLast: true });
        if (!r) return { text: null, tag: ABSENT, symlinkTarget };
      }
      return { ...readRegular(r, this.where(rel)), symlinkTarget };
    } catch (e) {
      throw e instanceof RpcError ? e : fileError(e, this.where(rel));
    } finally {
      if (r) closeSync(r.dirFd);
    }
  }

  private dup(fd: number): number {
    return openSync(fdPath(fd), C.O_RDONLY | C.O_DIRECTORY);
  }

  private openChildDir(cur: number, name: string, rel: string): number {
    try {
      return openSync(fdPath(cur, name), O_DIR);
    } catch (e) {
      throw fileError(e, this.where(rel));
    }
  }
}

/** lstat of NAME in a directory fd; with `create`, a missing NAME is made a directory first. */
function lstatOrCreate(dirFd: number, name: string, create: boolean): Stats {
  try {
    return lstatSync(fdPath(dirFd, name));
  } catch (e) {
    if (!create || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  try {
    mkdirSync(fdPath(dirFd, name), 0o755); // mkdir never follows a symlink at NAME
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return lstatSync(fdPath(dirFd, name));
}

const sizeText = (n: number) => (n < 10 * 1048576 ? `${n} bytes` : `${Math.round(n / 1048576)} MiB`);

function KIND(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device node';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** Reads the regular file `r.name` in `r.dirFd`; refuses anything else before opening it. */
/** The host's `/` as a tree, for `fn` (sync or async), closed when `fn` is done. */
export function withHostTree<T>(fn: (t: RootedTree) => T): T {
  const t = RootedTree.open('/', 'on the host');
  let out: T;
  try {
    out = fn(t);
  } catch (e) {
    t.close();
    throw e;
  }
  if (out instanceof Promise) return out.finally(() => t.close()) as T;
  t.close();
  return out;
}

export function readRegular(r: Resolved, where: string): { text: string; tag: string } {
  if (!r.st.isFile()) throw unsupported(`${where} is ${KIND(r.st)}, not a regular file`);
  if (r.st.size > MAX_FILE_BYTES) throw unsupported(`${where} is ${sizeText(r.st.size)}; files over 1 MiB are not read`);
  let fd: number;
  try {
    // O_NONBLOCK: a file swapped for a FIFO after the lstat above must not block the open.
    fd = openSync(fdPath(r.dirFd, r.name), C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK | C.O_NOCTTY);
  } catch (e) {
    throw fileError(e, where);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.ino !== r.st.ino || st.dev !== r.st.dev) throw new RpcError('conflict', `${where} changed while it was read; try again`);
    const buf = Buffer.alloc(Math.min(st.size, MAX_FILE_BYTES) + 1);
    let len = 0;
    for (;;) {
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
      if (len > MAX_FILE_BYTES) throw unsupported(`${where} grew over 1 MiB while it was read`);
      if (len === buf.length) break; // it grew since fstat; the tag will not match a later read
    }
    const bytes = buf.subarray(0, len);
    if (bytes.includes(0)) throw unsupported(`${where} holds binary data (a NUL byte), not text`);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw unsupported(`${where} is not valid UTF-8 text`);
    }
    return { text, tag: tagOf(st, bytes) };
  } catch (e) {
    throw e instanceof RpcError ? e : fileError(e, where);
  } finally {
    closeSync(fd);
  }
}

export function tagOf(st: Stats, bytes: Uint8Array): string {
  // The content hash makes the tag change also within one mtime tick at the same size.
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  return `${st.ino}:${st.size}:${Math.trunc(st.mtimeMs)}:${hash}`;
}
