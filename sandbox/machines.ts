// Reads the sandbox's machines back through machined and systemd over D-Bus, and registers
// extra machined entries for scale tests.
import { randomBytes } from 'node:crypto';
import type { Bus } from '../agent/dbus/bus.js';
import type { GuestSpec } from './layout.js';
import { formatAddress } from '../agent/machines/facts.js';
import { runOk } from './proc.js';

export interface SandboxMachine {
  name: string;
  state: string;
  autostart: boolean;
  addresses: string[];
}

const M1 = 'org.freedesktop.machine1';
const M1_PATH = '/org/freedesktop/machine1';

export async function machineAddresses(bus: Bus, name: string): Promise<string[]> {
  const [addrs] = await bus.call(M1, M1_PATH, `${M1}.Manager`, 'GetMachineAddresses', 's', [name]);
  return (addrs as [number, Buffer][]).map(([f, b]) => formatAddress(f, [...b]));
}

export async function listMachines(bus: Bus, guests: GuestSpec[]): Promise<SandboxMachine[]> {
  const [rows] = await bus.call(M1, M1_PATH, `${M1}.Manager`, 'ListMachines');
  const running = new Set((rows as [string, string, string, string][]).map((r) => r[0]));
  const out: SandboxMachine[] = [];
  for (const g of guests) {
    const isRunning = running.has(g.name);
    out.push({
      name: g.name,
      state: isRunning ? 'running' : 'stopped',
      autostart: g.autostart,
      addresses: isRunning ? await machineAddresses(bus, g.name).catch(() => []) : [],
    });
  }
  return out;
}

/** Starts `count` idle processes (`sleep infinity`) in one transient unit inside the host; returns their PIDs. */
export async function spawnLeaders(execPrefix: string[], count: number, tag: string): Promise<number[]> {
  const unit = `nsd-${tag}-${Date.now()}`;
  const [cmd, ...pre] = execPrefix;
  await runOk(cmd, [...pre, 'systemd-run', `--unit=${unit}`, '--collect', '/bin/sh', '-c',
    'i=0; while [ "$i" -lt "$1" ]; do sleep infinity & i=$((i+1)); done; wait', 'sh', String(count)]);
  let pids: number[] = [];
  for (let i = 0; i < 100 && pids.length < count; i++) {
    const main = (await runOk(cmd, [...pre, 'systemctl', 'show', '-P', 'MainPID', unit])).trim();
    const out = await runOk(cmd, [...pre, 'pgrep', '-P', main]).catch(() => '');
    pids = out.split('\n').filter(Boolean).map(Number);
    if (pids.length < count) await new Promise((r) => setTimeout(r, 100));
  }
  return pids.slice(0, count);
}

/**
 * A real machined entry led by `pid`. With `scope`, machined moves the leader into a scope of its
 * own (machine-NAME.scope), so stopping the scope ends the machine; without, the leaders share
 * their unit, and machined 252 never forgets all but one of them once they exit. Scopes cost
 * systemd a unit each: a thousand made at once make it drop off the bus, so scale runs go without.
 */
export async function registerMachine(bus: Bus, name: string, pid: number, scope = false): Promise<void> {
  if (scope) {
    await bus.call(M1, M1_PATH, `${M1}.Manager`, 'CreateMachine', 'sayssusa(sv)', [name, randomBytes(16), 'nsd-scale', 'container', pid, '/', []]);
  } else {
    await bus.call(M1, M1_PATH, `${M1}.Manager`, 'RegisterMachine', 'sayssus', [name, randomBytes(16), 'nsd-scale', 'container', pid, '/']);
  }
}

/**
 * Registers `count` real machined entries named `${prefix}N`, each led by its own `sleep`
 * process inside the host, for scale tests. Returns the names.
 */
export async function registerFakeMachines(
  bus: Bus, execPrefix: string[], count: number, prefix = 'scale', scopes = false,
): Promise<string[]> {
  const pids = await spawnLeaders(execPrefix, count, prefix);
  const names = pids.map((_, i) => `${prefix}${i + 1}`);
  await Promise.all(pids.map((pid, i) => registerMachine(bus, names[i], pid, scopes)));
  return names.sort();
}
