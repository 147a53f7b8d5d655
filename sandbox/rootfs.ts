// Builds (once) and caches the Debian rootfs that the sandbox host and its guests boot from.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runOk, log } from './proc.js';

export const SUITE = 'bookworm';
export const PACKAGES = [
  'systemd', 'systemd-sysv', 'systemd-container', 'dbus', 'iproute2', 'systemd-resolved', 'procps',
  // polkit, as a desktop has it: a non-root user's actions are asked about, pkexec gives admin access
  // (polkitd needs a logind: libpam-systemd provides it, debootstrap does not pick one itself).
  'polkitd', 'pkexec', 'libpam-systemd',
  // A server to reach over SSH (sandbox/ssh.ts), as remote hosts are managed.
  'openssh-server',
  // Nix, as NixOS servers have it: the SSH hosts' "node from Nix" fallback runs the real thing
  // (libdbi-perl provides a virtual package nix-bin's dependencies need; debootstrap picks none).
  'nix-bin', 'libdbi-perl',
];
// Bump when prepareTree() changes, so cached trees are rebuilt.
const PREP_VERSION = 3;
export const CACHE_ROOT = process.env.NSD_CACHE_DIR ?? '/var/cache/nspawn-desktop';

export function rootfsKey(): string {
  const h = createHash('sha256').update(JSON.stringify({ SUITE, PACKAGES, PREP_VERSION })).digest('hex');
  return h.slice(0, 12);
}

export function rootfsPath(): string {
  return join(CACHE_ROOT, `rootfs-${SUITE}-${rootfsKey()}`);
}

/** The Debian mirror this machine's apt already uses (debootstrap needs one). */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) for (const f of readdirSync(dir)) files.push(join(dir, f));
  for (const f of files) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    const oneLine = text.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian\/?)\s+bookworm\s/m);
    if (oneLine) return oneLine[1];
    for (const stanza of text.split(/\n\s*\n/)) {
      const uris = stanza.match(/^URIs:\s*(\S+\/debian\/?)\s*$/m);
      if (uris && /^Suites:.*\bbookworm\b/m.test(stanza)) return uris[1];
    }
  }
  return 'http://deb.debian.org/debian';
}

/** Debian packages the sandbox needs on the outer machine; installs them when apt is there. */
export async function ensureHostPackages(): Promise<void> {
  const need: string[] = [];
  if (!existsSync('/usr/bin/systemd-nspawn')) need.push('systemd-container');
  if (!existsSync('/usr/sbin/debootstrap')) need.push('debootstrap');
  if (!existsSync('/usr/bin/nsenter')) need.push('util-linux');
  if (need.length === 0) return;
  if (!existsSync('/usr/bin/apt-get')) {
    throw new Error(`missing packages: ${need.join(' ')} (install them with your package manager)`);
  }
  log(`installing ${need.join(' ')} with apt-get`);
  await runOk('apt-get', ['install', '-y', '-qq', ...need], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Returns the cached rootfs, building it with debootstrap when absent. */
export async function ensureRootfs(): Promise<{ path: string; built: boolean }> {
  const path = rootfsPath();
  if (existsSync(join(path, '.nsd-complete'))) return { path, built: false };
  mkdirSync(CACHE_ROOT, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const mirror = debianMirror();
  log(`building ${SUITE} rootfs with debootstrap from ${mirror} (once; cached in ${path})`);
  const r = await run('debootstrap', [
    '--variant=minbase', `--include=${PACKAGES.join(',')}`, SUITE, tmp, mirror,
  ]);
  if (r.code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`debootstrap failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  }
  await prepareTree(tmp);
  writeFileSync(join(tmp, '.nsd-complete'), new Date().toISOString() + '\n');
  // Another run may have finished first; keep whichever landed.
  if (existsSync(join(path, '.nsd-complete'))) rmSync(tmp, { recursive: true, force: true });
  else {
    rmSync(path, { recursive: true, force: true });
    renameSync(tmp, path);
  }
  return { path, built: true };
}

async function prepareTree(dir: string): Promise<void> {
  // Each boot gets its own transient machine id.
  writeFileSync(join(dir, 'etc/machine-id'), '');
  rmSync(join(dir, 'var/lib/dbus/machine-id'), { force: true });
  await runOk('chroot', [dir, 'systemctl', 'enable', 'systemd-networkd', 'machines.target']);
  // sshd only where the SSH option starts it (sandbox/ssh.ts): not in every host and guest.
  await runOk('chroot', [dir, 'systemctl', 'disable', 'ssh.service']);
  // /etc/os-release must be a real file for guests whose /usr is bind-mounted at boot.
  const osRelease = readFileSync(join(dir, 'usr/lib/os-release'));
  rmSync(join(dir, 'etc/os-release'), { force: true });
  writeFileSync(join(dir, 'etc/os-release'), osRelease);
  rmSync(join(dir, 'var/cache/apt/archives'), { recursive: true, force: true });
  mkdirSync(join(dir, 'var/cache/apt/archives/partial'), { recursive: true });
}
