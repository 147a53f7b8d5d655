// A tree rooted at a directory fd: every path resolves inside it, whatever the tree's owner made
// of its files. Built in temp dirs (no root needed): an "outside" folder stands for the host.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RootedTree } from '../../agent/files/rooted-tree';
import { removeFile, writeAtomic } from '../../agent/files/atomic-write';
import { RpcError } from '../../shared/errors';

let base: string;
let root: string;
let outside: string;
let tree: RootedTree;
const NET = '/etc/systemd/network';
const FILE = `${NET}/10-container-host0.network`;
const GOOD = '[Match]\nName=host0\n[Network]\nDHCP=yes\n';
const SECRET = '[Match]\nName=host0\n[Network]\nAddress=10.66.66.66/24\n';

function put(rel: string, text: string): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), text);
}
function link(rel: string, target: string): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  rmSync(join(root, rel), { recursive: true, force: true });
  symlinkSync(target, join(root, rel));
}
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RpcError);
    expect((e as Error).message).not.toMatch(/\/proc\/self|\/tmp\/nsd-rooted/);
    return (e as RpcError).code;
  }
  return 'no error';
}

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'nsd-rooted-'));
  root = join(base, 'container');
  outside = join(base, 'host');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.network'), SECRET);
  put(FILE, GOOD);
  tree = RootedTree.open(root, 'in db');
});
afterEach(() => {
  tree.close();
  rmSync(base, { recursive: true, force: true });
});

describe('reading inside the root', () => {
  it('reads a plain file with a tag, and says when a file is absent', () => {
    const f = tree.read(FILE);
    expect(f.text).toBe(GOOD);
    expect(f.tag).toMatch(/^\d+:\d+:\d+:[0-9a-f]{16}$/);
    expect(tree.read(`${NET}/none.network`)).toMatchObject({ text: null, tag: 'absent' });
  });

  it('clamps a relative symlink of many .. at the root', () => {
    link(FILE, `../../../../../../../../../..${outside}/secret.network`);
    expect(tree.read(FILE).text).toBeNull();
    // The same name inside the root is what the link means there.
    put(`${outside}/secret.network`, GOOD);
    expect(tree.read(FILE).text).toBe(GOOD);
  });

  it('chases an absolute symlink from the root, not from the host', () => {
    link(FILE, `${outside}/secret.network`);
    expect(tree.read(FILE).text).toBeNull();
    expect(tree.read(FILE).symlinkTarget).toBe(`${outside}/secret.network`);
  });

  it('chases a symlinked directory on the way inside the root', () => {
    rmSync(join(root, NET), { recursive: true });
    link(NET, outside);
    expect(tree.list(NET)).toEqual([]);
    put(`${outside}/10-container-host0.network`, GOOD);
    expect(tree.list(NET)).toEqual(['10-container-host0.network']);
    expect(tree.read(FILE).text).toBe(GOOD);
  });

  it('follows a legitimate chain of symlinks, as NixOS lays out /etc', () => {
    put('/nix/store/abc-units/10-container-host0.network', GOOD);
    rmSync(join(root, NET), { recursive: true });
    link(NET, '/etc/static/systemd/network');
    link('/etc/static', '../nix/store/abc-etc/etc'); // relative: from /etc
    mkdirSync(join(root, 'nix/store/abc-etc/etc/systemd'), { recursive: true });
    link('/nix/store/abc-etc/etc/systemd/network', '/nix/store/abc-units');
    expect(tree.read(FILE).text).toBe(GOOD);
    expect(tree.list(NET)).toEqual(['10-container-host0.network']);
  });

  it('refuses a symlink loop', () => {
    link(FILE, 'loop-a');
    link(`${NET}/loop-a`, 'loop-b');
    link(`${NET}/loop-b`, 'loop-a');
    expect(codeOf(() => tree.read(FILE))).toBe('unsupported_file');
  });

  it('refuses a FIFO and a directory without opening them, and a file over 1 MiB', () => {
    rmSync(join(root, FILE));
    execFileSync('mkfifo', [join(root, FILE)]);
    const t0 = Date.now();
    expect(codeOf(() => tree.read(FILE))).toBe('unsupported_file');
    expect(Date.now() - t0).toBeLessThan(2000); // it would block forever if opened
    rmSync(join(root, FILE));
    mkdirSync(join(root, FILE));
    expect(codeOf(() => tree.read(FILE))).toBe('unsupported_file');
    rmSync(join(root, FILE), { recursive: true });
    writeFileSync(join(root, FILE), Buffer.alloc(5 * 1024 * 1024, 0x41));
    let message = '';
    try {
      tree.read(FILE);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(`${FILE} in db is 5242880 bytes; files over 1 MiB are not read`);
  });

  it('refuses a symlink to a device node, and binary content', () => {
    link(FILE, '/dev/zero');
    mkdirSync(join(root, 'dev'));
    // /dev/zero inside the root does not exist: absent, never the host's device.
    expect(tree.read(FILE).text).toBeNull();
    rmSync(join(root, FILE));
    writeFileSync(join(root, FILE), Buffer.from([0x5b, 0x4d, 0x00, 0xff]));
    expect(codeOf(() => tree.read(FILE))).toBe('unsupported_file');
    writeFileSync(join(root, FILE), Buffer.from([0x5b, 0xc3, 0x28]));
    expect(codeOf(() => tree.read(FILE))).toBe('unsupported_file');
  });

  it('treats a symlink to /dev/null as masked', () => {
    link(FILE, '/dev/null');
    expect(tree.read(FILE)).toMatchObject({ text: null, tag: 'masked' });
  });
});

describe('writing inside the root', () => {
  it('replaces a file atomically after a tag check, and refuses a stale tag', () => {
    const { tag } = tree.read(FILE);
    const next = writeAtomic(tree, FILE, `${GOOD}# edited\n`, tag);
    expect(readFileSync(join(root, FILE), 'utf8')).toBe(`${GOOD}# edited\n`);
    expect(tree.read(FILE).tag).toBe(next);
    expect(codeOf(() => writeAtomic(tree, FILE, 'x', tag))).toBe('conflict');
    expect(readdirSync(join(root, NET))).toEqual(['10-container-host0.network']);
  });

  it('never writes through a symlinked directory', () => {
    rmSync(join(root, NET), { recursive: true });
    link(NET, outside);
    const before = readdirSync(outside);
    expect(codeOf(() => writeAtomic(tree, `${NET}/evil.network`, SECRET, 'absent'))).toBe('unsupported_file');
    link('/etc', outside);
    expect(codeOf(() => writeAtomic(tree, `${NET}/evil.network`, SECRET, 'absent'))).toBe('unsupported_file');
    expect(readdirSync(outside)).toEqual(before);
  });

  it('creates missing directories, and replaces a symlink itself rather than its target', () => {
    writeAtomic(tree, '/run/systemd/network/10-x.network.d/50-a.conf', '[Network]\n', 'absent');
    expect(statSync(join(root, 'run/systemd/network/10-x.network.d')).isDirectory()).toBe(true);
    link(FILE, `../../..${outside}/secret.network`);
    put(`${outside}/secret.network`, GOOD); // the link's meaning inside the root
    const { tag } = tree.read(FILE);
    writeAtomic(tree, FILE, '# new\n', tag);
    expect(readFileSync(join(root, FILE), 'utf8')).toBe('# new\n');
    expect(readFileSync(join(outside, 'secret.network'), 'utf8')).toBe(SECRET);
  });

  it('refuses to replace a FIFO or directory, and removes only regular files', () => {
    rmSync(join(root, FILE));
    mkdirSync(join(root, FILE));
    expect(codeOf(() => writeAtomic(tree, FILE, GOOD, 'absent'))).toBe('unsupported_file');
    expect(codeOf(() => removeFile(tree, FILE))).toBe('unsupported_file');
    expect(existsSync(join(root, FILE))).toBe(true);
  });
});
