// A disposable systemd host: an overlay of the cached rootfs booted with systemd-nspawn in a
// private network namespace, holding nixos-nspawn style guests.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Bus } from '../agent/dbus/bus.js';
import { DEFAULT_GUESTS, type GuestSpec, createGuest, markNixos, writeDesktopUser, writeHostUnits } from './layout.js';
import { ensureHostPackages, ensureRootfs } from './rootfs.js';
import { childPids, isNamespaceInit, log, pidAlive, run, runOk, sleep, waitFor } from './proc.js';
import { listMachines, type SandboxMachine } from './machines.js';
import { ensureInotifyInstances, inCgroups, leftoverCgroups, removeSandboxCgroups, sandboxCgroups } from './cgroups.js';

export const SANDBOX_ROOT = process.env.NSD_SANDBOX_ROOT ?? '/var/lib/nspawn-desktop/sandboxes';

export interface UpOptions {
  name: string;
  extraGuests: number;
  nixos: boolean;
}

export interface SandboxState {
  name: string;
  dir: string;
  nspawnPid: number;
  leaderPid: number;
  busAddress: string;
  execPrefix: string[];
  nixos: boolean;
  guests: GuestSpec[];
  machines: SandboxMachine[];
  timings?: Record<string, number>;
  /** Where the host sees this machine's node (bin/node) and the agent bundle (agent/), read-only. */
  agentRoot?: string;
  /** Where the host sees this checkout, read-only (to run a hub there as its desktop user). */
  appDir?: string;
}

/** The agent bundle `npm run build` writes; bound into every sandbox host at `up`. */
export const AGENT_BUNDLE_DIR = resolve(import.meta.dirname, '../dist/agent');
export const AGENT_ROOT = '/opt/nspawn-desktop';
/** This checkout, read-only at AGENT_ROOT/app: a hub run inside the host as its desktop user. */
const CHECKOUT_DIR = resolve(import.meta.dirname, '..');
export const SANDBOX_APP_DIR = `${AGENT_ROOT}/app`;

export function validSandboxName(name: string): boolean {
  return /^[a-z0-9][a-z0-9-]{0,30}$/.test(name);
}

const paths = (name: string) => {
  const dir = join(SANDBOX_ROOT, name);
  return { dir, upper: join(dir, 'upper'), work: join(dir, 'work'), merged: join(dir, 'root'), state: join(dir, 'state.json'), log: join(dir, 'nspawn.log') };
};

export function readState(name: string): SandboxState | undefined {
  const p = paths(name).state;
  if (!existsSync(p)) return undefined;
  const s = JSON.parse(readFileSync(p, 'utf8')) as SandboxState;
  return pidAlive(s.nspawnPid) && pidAlive(s.leaderPid) ? s : undefined;
}

function writeState(s: SandboxState): void {
  const p = paths(s.name).state;
  writeFileSync(`${p}.tmp`, JSON.stringify(s, null, 2) + '\n');
  renameSync(`${p}.tmp`, p);
}

function isMounted(path: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === path);
}

/**
 * The container's init under systemd-nspawn `pid`: the descendant that is PID 1 of its own PID
 * namespace. nspawn's first child is a short-lived helper that forks the init; taking "the first
 * child" raced with it under load and recorded the helper, so `down` later missed the real init.
 */
export function containerInit(pid: number): number | undefined {
  for (const kid of childPids(pid)) {
    try {
      if (isNamespaceInit(kid)) return kid;
    } catch {
      continue; // exited
    }
    const deeper = containerInit(kid);
    if (deeper) return deeper;
  }
  return undefined;
}

export const execPrefixFor = (leaderPid: number) => ['nsenter', '-t', String(leaderPid), '-a'];

/** Runs argv inside the sandbox host. */
export function inHost(s: Pick<SandboxState, 'leaderPid'>, argv: string[], timeoutMs = 60_000) {
  const [cmd, ...rest] = [...execPrefixFor(s.leaderPid), ...argv];
  return run(cmd, rest, { timeoutMs });
}

export function guestSpecs(extra: number): GuestSpec[] {
  const out = [...DEFAULT_GUESTS];
  for (let i = 1; i <= extra; i++) out.push({ name: `extra${i}`, autostart: true, network: 'dhcp' });
  return out;
}

export async function up(opts: UpOptions): Promise<SandboxState> {
  if (process.platform !== 'linux') throw new Error('the sandbox needs Linux');
  if (process.getuid?.() !== 0) throw new Error('the sandbox needs root (it boots systemd-nspawn)');
  if (!validSandboxName(opts.name)) throw new Error(`invalid sandbox name: ${opts.name}`);
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const existing = readState(opts.name);
  if (existing && (!existing.agentRoot || !existing.appDir)) {
    log(`sandbox ${opts.name} was booted without the agent or app bind; rebooting it`);
    await teardown(opts.name);
  } else if (existing) {
    log(`reusing running sandbox ${opts.name} (leader ${existing.leaderPid})`);
    const s = await waitReady(existing, timings);
    timings.total = Date.now() - t0;
    s.timings = timings;
    writeState(s);
    return s;
  }
  await ensureHostPackages();
  const rootfs = await ensureRootfs();
  timings.rootfs = Date.now() - t0;
  if (rootfs.built) log(`rootfs built in ${(timings.rootfs / 1000).toFixed(1)} s`);

  const p = paths(opts.name);
  await teardown(opts.name);
  mkdirSync(p.upper, { recursive: true });
  mkdirSync(p.work, { recursive: true });
  mkdirSync(p.merged, { recursive: true });
  await runOk('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${rootfs.path},upperdir=${p.upper},workdir=${p.work}`, p.merged]);

  const guests = guestSpecs(opts.extraGuests);
  for (const g of guests) createGuest(p.merged, rootfs.path, g, { nixos: opts.nixos });
  markNixos(p.merged, opts.nixos);
  writeHostUnits(p.merged);
  writeDesktopUser(p.merged, readFileSync(join(import.meta.dirname, '../assets/polkit/org.nspawn-desktop.policy'), 'utf8'));
  writeFileSync(join(p.merged, 'etc/hostname'), `nsd-${opts.name}\n`);
  timings.layout = Date.now() - t0 - timings.rootfs;

  const out = openSync(p.log, 'w');
  // The hub runs the agent inside the host with this machine's node; the bundle directory is bound
  // live, so a rebuild shows up without a reboot.
  mkdirSync(AGENT_BUNDLE_DIR, { recursive: true });
  ensureInotifyInstances();
  const [cmd, ...args] = inCgroups(sandboxCgroups(opts.name), [
    'systemd-nspawn', '-D', p.merged, '--register=no', '--keep-unit', '-b', '--private-network', `--machine=nsd-${opts.name}`,
    `--bind-ro=${process.execPath}:${AGENT_ROOT}/bin/node`, `--bind-ro=${AGENT_BUNDLE_DIR}:${AGENT_ROOT}/agent`,
    `--bind-ro=${CHECKOUT_DIR}:${SANDBOX_APP_DIR}`,
  ]);
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  const nspawnPid = child.pid!;
  const leaderPid = await waitFor('the host init process', () => containerInit(nspawnPid), 10_000, 50);
  const s: SandboxState = {
    name: opts.name, dir: p.dir, nspawnPid, leaderPid,
    busAddress: `unix:path=/proc/${leaderPid}/root/run/dbus/system_bus_socket`,
    execPrefix: execPrefixFor(leaderPid), nixos: opts.nixos, guests, machines: [], agentRoot: AGENT_ROOT, appDir: SANDBOX_APP_DIR,
  };
  writeState(s);
  const ready = await waitReady(s, timings, t0);
  timings.total = Date.now() - t0;
  ready.timings = timings;
  writeState(ready);
  return ready;
}

async function waitReady(s: SandboxState, timings: Record<string, number>, t0 = Date.now()): Promise<SandboxState> {
  const sock = `/proc/${s.leaderPid}/root/run/dbus/system_bus_socket`;
  await waitFor('the host D-Bus socket', () => (existsSync(sock) ? true : undefined), 60_000, 100);
  await waitFor('the host to finish booting', async () => {
    const r = await inHost(s, ['systemctl', 'is-system-running'], 10_000);
    const st = r.stdout.trim();
    if (st === 'running' || st === 'degraded') return st;
    if (!pidAlive(s.nspawnPid)) throw new Error(`host exited; see ${paths(s.name).log}`);
    return undefined;
  }, 90_000, 200);
  timings.hostBooted = Date.now() - t0;
  const bus = await Bus.connect(s.busAddress);
  try {
    const autostart = s.guests.filter((g) => g.autostart).map((g) => g.name);
    const machines = await waitFor('autostart guests to register and get addresses', async () => {
      const ms = await listMachines(bus, s.guests);
      const ok = autostart.every((n) => {
        const m = ms.find((x) => x.name === n);
        return m && m.state === 'running' && m.addresses.some((a) => !a.includes(':') && !a.startsWith('169.254.'));
      });
      return ok ? ms : undefined;
    }, 120_000, 250);
    timings.guestsReady = Date.now() - t0;
    return { ...s, machines };
  } finally {
    bus.disconnect();
  }
}

export async function status(name: string): Promise<SandboxState | undefined> {
  const s = readState(name);
  if (!s) return undefined;
  const bus = await Bus.connect(s.busAddress);
  try {
    return { ...s, machines: await listMachines(bus, s.guests) };
  } finally {
    bus.disconnect();
  }
}

/** Stops the host cleanly (SIGRTMIN+3 = systemd's orderly poweroff), then removes its tree. */
export async function down(name: string): Promise<{ wasRunning: boolean; ms: number }> {
  if (!validSandboxName(name)) throw new Error(`invalid sandbox name: ${name}`);
  const t0 = Date.now();
  const wasRunning = await teardown(name);
  return { wasRunning, ms: Date.now() - t0 };
}

async function teardown(name: string): Promise<boolean> {
  const p = paths(name);
  let wasRunning = false;
  if (existsSync(p.state)) {
    const s = JSON.parse(readFileSync(p.state, 'utf8')) as SandboxState;
    if (pidAlive(s.nspawnPid)) {
      wasRunning = true;
      if (pidAlive(s.leaderPid)) await run('kill', ['-s', 'RTMIN+3', String(s.leaderPid)]);
      const deadline = Date.now() + 45_000;
      while (pidAlive(s.nspawnPid) && Date.now() < deadline) await sleep(100);
      if (pidAlive(s.nspawnPid)) {
        // Killing nspawn alone would leave the container running: kill its init, which takes the
        // whole PID namespace with it, then nspawn exits by itself.
        log('host did not stop within 45 s; killing it');
        if (pidAlive(s.leaderPid)) process.kill(s.leaderPid, 'SIGKILL');
        for (let i = 0; i < 100 && pidAlive(s.nspawnPid); i++) await sleep(100);
        if (pidAlive(s.nspawnPid)) process.kill(s.nspawnPid, 'SIGKILL');
        for (let i = 0; i < 50 && (pidAlive(s.nspawnPid) || pidAlive(s.leaderPid)); i++) await sleep(100);
      }
    }
  }
  for (let i = 0; i < 20 && isMounted(p.merged); i++) {
    const r = await run('umount', [p.merged]);
    if (r.code !== 0) await sleep(250);
  }
  if (isMounted(p.merged)) await run('umount', ['-l', p.merged]);
  rmSync(p.dir, { recursive: true, force: true });
  removeSandboxCgroups(name);
  return wasRunning;
}

/** Leftovers a clean `down` must not leave: mounts under the sandbox dir and its cgroups. */
export function leftovers(name: string): { mounts: string[]; cgroups: string[] } {
  const dir = paths(name).dir;
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n')
    .map((l) => l.split(' ')[1]).filter((m) => m && m.startsWith(dir));
  return { mounts, cgroups: leftoverCgroups(name) };
}
