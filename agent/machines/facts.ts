// Reads what machined, systemd and the file system know about machines, over D-Bus.
import { readdirSync, statSync } from 'node:fs';
import type { Bus } from '../dbus/bus.js';
import { log } from '../proc.js';
import { isValidMachineName, machineForUnit, unitForMachine } from '../../shared/names.js';

export const M1 = 'org.freedesktop.machine1';
export const M1_PATH = '/org/freedesktop/machine1';
export const M1_MANAGER = `${M1}.Manager`;
export const SD = 'org.freedesktop.systemd1';
export const SD_PATH = '/org/freedesktop/systemd1';
export const SD_MANAGER = `${SD}.Manager`;

export interface MachinedFacts {
  name: string;
  class: string;
  path: string;
  state?: string;
  leader?: number;
  since?: number;
  /** Host-side network interfaces (a veth's host end); none for a machine on the host's network. */
  netifs?: number;
}

export interface UnitFacts {
  name: string;
  path: string;
  activeState: string;
  subState: string;
  jobType?: string;
  jobPath?: string;
  result?: string;
  activeEnter?: number;
  /** A unit file or drop-in of this instance's own (not just the template's). */
  ownConfig?: boolean;
}

/**
 * Whether a loaded unit says a machine exists. Asking systemd about an instance by name loads
 * it, so a name anyone ever stopped or queried (a typo, a machine long gone) is loaded-inactive
 * with nothing behind it: that alone is not a machine.
 */
export function unitDeclares(u: UnitFacts | undefined): boolean {
  return !!u && (u.activeState !== 'inactive' || !!u.jobType || !!u.ownConfig);
}

/** Whether what is known of a name makes it a machine the list shows. */
export function isMachine(f: { machined: boolean; nspawnFile: boolean; image: boolean; unit?: UnitFacts; autostart?: boolean }): boolean {
  return f.machined || f.nspawnFile || f.image || unitDeclares(f.unit) || f.autostart === true;
}

export async function listMachined(bus: Bus): Promise<MachinedFacts[]> {
  const [rows] = await bus.call(M1, M1_PATH, M1_MANAGER, 'ListMachines');
  const list = (rows as [string, string, string, string][]).map(([name, cls, , path]) => ({ name, class: cls, path }));
  return Promise.all(list.map((m) => machinedDetails(bus, m)));
}

async function machinedDetails(bus: Bus, m: MachinedFacts): Promise<MachinedFacts> {
  try {
    const p = await bus.getAllProperties(M1, m.path, `${M1}.Machine`);
    return { ...m, ...machineProps(p) };
  } catch {
    return m; // went away between the two calls
  }
}

function machineProps(p: Record<string, unknown>) {
  const ts = p.Timestamp as bigint | number | undefined;
  return {
    state: String(p.State ?? ''), leader: Number(p.Leader ?? 0) || undefined, since: ts ? Number(ts) / 1000 : undefined,
    netifs: Array.isArray(p.NetworkInterfaces) ? p.NetworkInterfaces.length : undefined,
  };
}

export async function getMachined(bus: Bus, name: string): Promise<MachinedFacts | undefined> {
  try {
    const [path] = await bus.call(M1, M1_PATH, M1_MANAGER, 'GetMachine', 's', [name]);
    const p = await bus.getAllProperties(M1, String(path), `${M1}.Machine`);
    return { name, class: String(p.Class ?? ''), path: String(path), ...machineProps(p) };
  } catch (e) {
    if ((e as { dbusName?: string }).dbusName?.includes('NoSuchMachine')) return undefined;
    throw e;
  }
}

type UnitRow = [string, string, string, string, string, string, string, number, string, string];

function unitFromRow(r: UnitRow): UnitFacts {
  const [name, , , activeState, subState, , path, jobId, jobType, jobPath] = r;
  return { name, path, activeState, subState, jobType: jobId ? jobType : undefined, jobPath: jobId ? jobPath : undefined };
}

export async function listNspawnUnits(bus: Bus): Promise<UnitFacts[]> {
  const [rows] = await bus.call(SD, SD_PATH, SD_MANAGER, 'ListUnitsByPatterns', 'asas', [[], ['systemd-nspawn@*.service']]);
  const units = (rows as UnitRow[]).map(unitFromRow);
  // What the row says is kept when the details cannot be read (the unit went meanwhile).
  return Promise.all(units.map((u) => readUnit(bus, u.name, u.path).catch((e: Error) => {
    log(`unit ${u.name}: details not read (${e.message})`);
    return u;
  })));
}

/** A loaded unit's facts: its state, job, result and whether it has configuration of its own. */
async function readUnit(bus: Bus, name: string, path: string): Promise<UnitFacts> {
  const [result, p] = await Promise.all([
    bus.getProperty(SD, path, `${SD}.Service`, 'Result'),
    bus.getAllProperties(SD, path, `${SD}.Unit`),
  ]);
  const job = p.Job as [number, string] | undefined;
  return {
    name, path, activeState: String(p.ActiveState), subState: String(p.SubState),
    jobType: job && job[0] ? await jobType(bus, job[1]) : undefined, jobPath: job && job[0] ? job[1] : undefined,
    result: String(result), ...unitProps(name, p),
  };
}

function unitProps(name: string, p: Record<string, unknown>): Partial<UnitFacts> {
  const fragment = String(p.FragmentPath ?? '');
  const dropIns = Array.isArray(p.DropInPaths) ? p.DropInPaths.map(String) : [];
  return {
    activeEnter: Number(p.ActiveEnterTimestamp as bigint) / 1000 || undefined,
    ownConfig: (fragment !== '' && !fragment.endsWith('/systemd-nspawn@.service')) || dropIns.some((d) => d.includes(`/${name}.d/`)),
  };
}

/** The unit's live facts, or undefined when systemd has not loaded it (GetUnit never loads one). */
export async function getUnit(bus: Bus, name: string): Promise<UnitFacts | undefined> {
  const unit = unitForMachine(name);
  let path: string;
  try {
    [path] = (await bus.call(SD, SD_PATH, SD_MANAGER, 'GetUnit', 's', [unit])) as [string];
  } catch (e) {
    if ((e as { dbusName?: string }).dbusName?.includes('NoSuchUnit')) return undefined;
    throw e;
  }
  return readUnit(bus, unit, String(path));
}

async function jobType(bus: Bus, path: string): Promise<string | undefined> {
  try {
    return String(await bus.getProperty(SD, path, `${SD}.Job`, 'JobType'));
  } catch (e) {
    if ((e as { dbusName?: string }).dbusName?.includes('UnknownObject')) return undefined; // finished meanwhile
    throw e;
  }
}

/** Whether machined has an image of this name (images have no signal: asked when it matters). */
export async function hasImage(bus: Bus, name: string): Promise<boolean> {
  try {
    await bus.call(M1, M1_PATH, M1_MANAGER, 'GetImage', 's', [name]);
    return true;
  } catch (e) {
    if ((e as { dbusName?: string }).dbusName?.includes('NoSuchImage')) return false;
    throw e;
  }
}

/** Whether machines.target wants the machine's unit; undefined when systemd could not say. */
export async function unitFileEnabled(bus: Bus, name: string): Promise<boolean | undefined> {
  try {
    const [state] = await bus.call(SD, SD_PATH, SD_MANAGER, 'GetUnitFileState', 's', [unitForMachine(name)]);
    return state === 'enabled' || state === 'enabled-runtime' || state === 'linked';
  } catch (e) {
    log(`autostart of ${name} unknown: ${(e as Error).message}`);
    return undefined;
  }
}

export async function listImages(bus: Bus): Promise<string[]> {
  const [rows] = await bus.call(M1, M1_PATH, M1_MANAGER, 'ListImages');
  return (rows as [string, string][]).map((r) => r[0]).filter((n) => isValidMachineName(n) && n !== '.host');
}

/** Every image machined has, hidden ones included (a new name must clash with none), and its type. */
export async function imageTypes(bus: Bus): Promise<Map<string, string>> {
  const [rows] = await bus.call(M1, M1_PATH, M1_MANAGER, 'ListImages');
  return new Map((rows as [string, string][]).map(([n, type]) => [n, type]));
}

/** Declared containers: NAME.nspawn in /etc/systemd/nspawn and /run/systemd/nspawn (first wins). */
export function listNspawnFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of ['/etc/systemd/nspawn', '/run/systemd/nspawn']) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const f of names.sort()) {
      const m = /^(.+)\.nspawn$/.exec(f);
      if (m && isValidMachineName(m[1]) && !out.has(m[1])) out.set(m[1], `${dir}/${f}`);
    }
  }
  return out;
}

export async function machineAddresses(bus: Bus, name: string): Promise<string[]> {
  const [addrs] = await bus.call(M1, M1_PATH, M1_MANAGER, 'GetMachineAddresses', 's', [name]);
  return (addrs as [number, Buffer][]).map(([f, b]) => formatAddress(f, [...b]));
}

export async function machineOs(bus: Bus, name: string): Promise<string | undefined> {
  const [fields] = await bus.call(M1, M1_PATH, M1_MANAGER, 'GetMachineOSRelease', 's', [name]);
  const f = fields as Record<string, string>;
  return f.PRETTY_NAME ?? ([f.NAME, f.VERSION].filter(Boolean).join(' ') || undefined);
}

export function formatAddress(family: number, b: number[]): string {
  if (family === 2) return b.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  // RFC 5952: compress the longest run (≥2) of zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export { machineForUnit };

/** When the settings a running machine started with last changed: its .nspawn or credentials drop-in. */
export function settingsChangedAt(name: string, nspawnFile: string | undefined): number {
  let newest = 0;
  for (const f of [nspawnFile, `/etc/systemd/system/${unitForMachine(name)}.d/50-nspawn-desktop-credentials.conf`]) {
    if (!f) continue;
    try {
      newest = Math.max(newest, statSync(f).mtimeMs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log(`settings of ${name}: ${f} not stat'ed (${(e as Error).message})`);
    }
  }
  return newest;
}
