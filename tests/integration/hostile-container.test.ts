// A container's root is untrusted: it can make any path under its / a symlink, FIFO, device node
// or huge file. Each case builds such a state in a real guest of a real sandbox host, then drives
// the real agent (through the hub's sandbox launcher): a clear typed error or a correct edit inside
// the container; canary files on the sandbox host and on this machine unchanged; nothing created
// outside; the agent responsive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import type { AgentLink } from '../../hub/agent-link';
import { down, type SandboxState } from '../../sandbox/sandbox';
import { sandboxAgent } from './sandbox-agent';
import type { DirectClient } from '../../hub/direct-client';
import type { NetworkView } from '../../shared/contract';

const NAME = 'it-hostile';
const CANARY = '/tmp/nsd-canary';
const NET = '/etc/systemd/network';
const FILE = `${NET}/10-container-host0.network`;
const SECRET_ADDR = '10.66.66.66/24';
const SECRET = `[Match]\nName=host0\n[Network]\nAddress=${SECRET_ADDR}\n`;
let state: SandboxState;
let link: AgentLink;
let d: DirectClient;
let original: Record<string, string>;
/** Cases where the agent edited a legitimate file inside the guest instead of refusing. */
const edits: string[] = [];

const sbRoot = () => `/proc/${state.leaderPid}/root`;
const leaderOf = (name: string) => d.machines.find((m) => m.name === name)?.leader;
/** Where the test (trusted, host root) builds a guest's hostile state. */
const guestRoot = (name: string) => (name === 'build' ? `${sbRoot()}/var/lib/machines/build` : `${sbRoot()}/proc/${leaderOf(name)}/root`);

/** Canaries: the same tree on this machine and on the sandbox host; the links below aim at them. */
function plantCanaries(): void {
  for (const base of ['', sbRoot()]) {
    rmSync(`${base}${CANARY}`, { recursive: true, force: true });
    mkdirSync(`${base}${CANARY}/etc/systemd/network`, { recursive: true });
    writeFileSync(`${base}${CANARY}/canary.network`, SECRET);
    writeFileSync(`${base}${CANARY}/etc/systemd/network/10-container-host0.network`, SECRET);
    mkdirSync(`${base}${CANARY}/systemd/network`, { recursive: true });
    writeFileSync(`${base}${CANARY}/systemd/network/10-container-host0.network`, SECRET);
    mkdirSync(`${base}${CANARY}/network`, { recursive: true });
    writeFileSync(`${base}${CANARY}/network/10-container-host0.network`, SECRET);
  }
}

/** Every entry under the canary trees and the sandbox host's network config, with its hash. */
function fingerprint(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      // This machine's nspawn image locks come and go with whichever sandboxes boot beside this one.
      if (p === '/run/systemd/nspawn/locks') continue;
      if (e.isDirectory()) walk(p);
      else if (e.isSymbolicLink()) out[p] = `-> ${readlinkSync(p)}`;
      else if (e.isFile()) out[p] = createHash('sha256').update(readFileSync(p)).digest('hex');
      else out[p] = 'special';
    }
  };
  for (const dir of [CANARY, `${sbRoot()}${CANARY}`, `${sbRoot()}/etc/systemd/network`, `${sbRoot()}/run/systemd/network`, '/etc/systemd/network', '/run/systemd']) {
    if (existsSync(dir)) walk(dir);
  }
  return out;
}

const lstatOrNull = (p: string) => {
  try {
    return lstatSync(p);
  } catch {
    return null; // absent
  }
};
const SAVED = '.nsd-saved';
const HOSTILE_PATHS = ['/etc', '/etc/systemd', NET, FILE, '/run/systemd/network'];

/**
 * Makes `rel` in a guest a symlink, FIFO, device or file. A directory there is moved aside (never
 * walked into: once the guest's path is a symlink, a path walk from here would leave the guest).
 */
function make(name: string, rel: string, how: { link?: string; fifo?: true; device?: true; text?: string | Buffer }): void {
  const p = `${guestRoot(name)}${rel}`;
  const st = lstatOrNull(p);
  if (st?.isDirectory()) renameSync(p, `${p}${SAVED}`);
  else if (st) unlinkSync(p);
  if (how.link) symlinkSync(how.link, p);
  else if (how.fifo) execFileSync('mkfifo', [p]);
  else if (how.device) execFileSync('mknod', [p, 'c', '1', '5']); // /dev/zero's numbers
  else writeFileSync(p, how.text!);
}

/** Puts a guest's network config back as the sandbox made it, shallowest path first. */
function restoreGuest(name: string): void {
  const root = guestRoot(name);
  for (const rel of HOSTILE_PATHS) {
    const p = `${root}${rel}`;
    if (lstatOrNull(`${p}${SAVED}`)) {
      if (lstatOrNull(p)) unlinkSync(p); // the hostile link or node: never a directory of ours
      renameSync(`${p}${SAVED}`, p);
    }
  }
  for (const rel of HOSTILE_PATHS.slice(0, 3)) expect(lstatSync(`${root}${rel}`).isDirectory(), rel).toBe(true);
  for (const f of readdirSync(`${root}${NET}`)) rmSync(`${root}${NET}/${f}`, { force: true });
  writeFileSync(`${root}${FILE}`, original[name]);
}

async function view(name: string): Promise<NetworkView> {
  const r = await d.dispatch('network.get', { name });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as NetworkView;
}

/** Samples host.info while `fn` runs; returns the slowest answer in ms. */
async function slowestAnswer(fn: () => Promise<void>): Promise<number> {
  let worst = 0;
  let done = false;
  const pinger = (async () => {
    while (!done) {
      const t0 = performance.now();
      await d.dispatch('host.info', {});
      worst = Math.max(worst, performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    await fn();
  } finally {
    done = true;
    await pinger;
  }
  return worst;
}

interface Case { label: string; guest: 'db' | 'build'; setup: () => void }
const rel10 = '../'.repeat(12);
const CASES: Case[] = [
  { label: 'absolute symlink to a host file', guest: 'db', setup: () => make('db', FILE, { link: `${CANARY}/canary.network` }) },
  { label: 'relative symlink with many ..', guest: 'db', setup: () => make('db', FILE, { link: `${rel10}tmp/nsd-canary/canary.network` }) },
  { label: 'symlink through /proc/1/root', guest: 'db', setup: () => make('db', FILE, { link: `/proc/1/root${CANARY}/canary.network` }) },
  { label: 'symlink through /proc/self/root', guest: 'db', setup: () => make('db', FILE, { link: `/proc/self/root${CANARY}/canary.network` }) },
  { label: '/etc a symlink to a host directory', guest: 'db', setup: () => make('db', '/etc', { link: `${CANARY}/etc` }) },
  { label: '/etc/systemd a symlink to a host directory', guest: 'db', setup: () => make('db', '/etc/systemd', { link: `${CANARY}/systemd` }) },
  { label: `${NET} a symlink to a host directory`, guest: 'db', setup: () => make('db', NET, { link: `${CANARY}/network` }) },
  { label: `${NET} a relative symlink climbing out`, guest: 'db', setup: () => make('db', NET, { link: `${rel10}tmp/nsd-canary/network` }) },
  { label: '/run/systemd/network a symlink to a host directory', guest: 'db', setup: () => make('db', '/run/systemd/network', { link: `${CANARY}/network` }) },
  { label: 'a FIFO', guest: 'db', setup: () => make('db', FILE, { fifo: true }) },
  { label: 'a device node', guest: 'db', setup: () => make('db', FILE, { device: true }) },
  { label: 'a symlink to /dev/zero', guest: 'db', setup: () => make('db', FILE, { link: '/dev/zero' }) },
  { label: 'a 5 MB file', guest: 'db', setup: () => make('db', FILE, { text: `[Match]\nName=host0\n${'#'.repeat(5 * 1024 * 1024)}\n` }) },
  { label: 'a 1 MB file of 24,000 lines', guest: 'db', setup: () => make('db', FILE, { text: `${'# x\n'.repeat(24_000)}[Match]\nName=host0\n[Network]\nAddress=192.168.42.2/24\n` }) },
  { label: 'binary content', guest: 'db', setup: () => make('db', FILE, { text: Buffer.from([0x5b, 0x4d, 0x61, 0x00, 0xff, 0xfe, 0x0a]) }) },
  { label: 'stopped guest: absolute symlink', guest: 'build', setup: () => make('build', FILE, { link: `${CANARY}/canary.network` }) },
  { label: 'stopped guest: relative symlink', guest: 'build', setup: () => make('build', FILE, { link: `${rel10}tmp/nsd-canary/canary.network` }) },
  { label: 'stopped guest: /etc/systemd/network a symlink', guest: 'build', setup: () => make('build', NET, { link: `${CANARY}/network` }) },
  { label: 'stopped guest: a FIFO', guest: 'build', setup: () => make('build', FILE, { fifo: true }) },
];

beforeAll(async () => {
  ({ state, link, client: d } = await sandboxAgent(NAME, false));
  original = Object.fromEntries(['db', 'build'].map((n) => [n, readFileSync(`${guestRoot(n)}${FILE}`, 'utf8')]));
  plantCanaries();
});

afterAll(async () => {
  console.log(`[hostile] edited inside the guest instead of refusing: ${edits.join('; ') || 'none'}`);
  rmSync(CANARY, { recursive: true, force: true });
  await link?.stop();
  await down(NAME);
});

describe('hostile container states', () => {
  it.each(CASES)('$label: a typed error or an edit inside, nothing outside touched', async (c) => {
    restoreGuest(c.guest);
    const before = fingerprint();
    c.setup();
    const worst = await slowestAnswer(async () => {
      const v = await view(c.guest);
      expect(v.container.values.addresses).not.toContain(SECRET_ADDR);
      expect(JSON.stringify(v)).not.toMatch(/\/proc\/\d+/);
      if (!v.container.available) expect(v.container.reason).toMatch(new RegExp(`in ${c.guest}|matches this link`));
      const r = await d.dispatch('network.apply', {
        name: c.guest, container: { ...v.container.values, addresses: [...v.container.values.addresses, '192.168.42.77/24'] },
        tags: { ...v.host.tags, ...v.container.tags },
      });
      if (r.ok) {
        // An edit is fine only inside the guest: each written file is a regular file in the
        // guest's own /etc/systemd/network (a real directory), and holds the new address.
        const written = (r.result as { files: { path: string }[] }).files.map((f) => f.path);
        expect(written.length).toBeGreaterThan(0);
        for (const w of written) {
          expect(w.startsWith(`${NET}/`) || w.startsWith('/run/systemd/network/'), w).toBe(true);
          const dir = lstatSync(`${guestRoot(c.guest)}${w.slice(0, w.lastIndexOf('/'))}`);
          expect(dir.isDirectory()).toBe(true);
          expect(lstatSync(`${guestRoot(c.guest)}${w}`).isFile()).toBe(true);
        }
        expect(written.map((w) => readFileSync(`${guestRoot(c.guest)}${w}`, 'utf8')).join('')).toContain('Address=192.168.42.77/24');
        edits.push(c.label);
      } else {
        expect(['unsupported_file', 'failed', 'conflict']).toContain(r.error.code);
        expect(r.error.message).not.toMatch(/\/proc\/|internal/);
      }
    });
    console.log(`[hostile] ${c.label}: slowest host.info ${worst.toFixed(1)} ms`);
    // A blocked event loop (a FIFO opened for read, a quadratic diff) would take seconds; a
    // busy machine (npm test runs five sandboxes side by side) takes up to ~1 s.
    expect(worst).toBeLessThan(2500);
    expect(fingerprint()).toEqual(before);
  });

  it('a file swapped for a symlink between preview and apply: refused, nothing written outside', async () => {
    restoreGuest('db');
    const before = fingerprint();
    const v = await view('db');
    expect(v.container.available).toBe(true);
    const change = { name: 'db', container: { ...v.container.values, addresses: [...v.container.values.addresses, '192.168.42.78/24'] } };
    const p = await d.dispatch('network.preview', change);
    expect(p.ok).toBe(true);
    make('db', FILE, { link: `${CANARY}/canary.network` });
    const r = await d.dispatch('network.apply', { ...change, tags: { ...v.host.tags, ...v.container.tags } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(['conflict', 'failed']).toContain(r.error.code);
    expect(fingerprint()).toEqual(before);
    expect(readFileSync(`${CANARY}/canary.network`, 'utf8')).toBe(SECRET);
  });

  it('a NixOS-style legitimate chain of symlinks still resolves inside the container', async () => {
    restoreGuest('db');
    const root = guestRoot('db');
    mkdirSync(`${root}/nix/store/abc-units`, { recursive: true });
    writeFileSync(`${root}/nix/store/abc-units/10-container-host0.network`, original.db);
    mkdirSync(`${root}/nix/store/abc-etc/etc/systemd`, { recursive: true });
    symlinkSync('/nix/store/abc-units', `${root}/nix/store/abc-etc/etc/systemd/network`);
    rmSync(`${root}/etc/static`, { force: true });
    symlinkSync('/nix/store/abc-etc/etc', `${root}/etc/static`);
    make('db', NET, { link: '/etc/static/systemd/network' });
    try {
      const v = await view('db');
      expect(v.container.file).toBe(FILE);
      expect(v.container.values.addresses).toContain('192.168.42.2/24');
    } finally {
      rmSync(`${root}/etc/static`, { force: true });
      rmSync(`${root}/nix`, { recursive: true, force: true });
      restoreGuest('db');
    }
  });
});
