// The machine model the list shows, and the pure mapping from systemd/machined facts to a state.
import { z } from 'zod';

export const MACHINE_STATES = ['running', 'starting', 'stopping', 'stopped', 'failed'] as const;
export const MachineState = z.enum(MACHINE_STATES);
export type MachineState = z.infer<typeof MachineState>;

export const Machine = z.object({
  name: z.string(),
  state: MachineState,
  unit: z.string(),
  /** machines.target wants the unit (systemctl enable); absent when systemd could not say. */
  autostart: z.boolean().optional(),
  os: z.string().optional(),
  addresses: z.array(z.string()),
  /** ms since epoch when it entered its current running state. */
  since: z.number().optional(),
  leader: z.number().optional(),
  class: z.string().optional(),
  /** Pending systemd job on the unit, while one runs. */
  job: z.string().optional(),
  /** systemd's Result when the unit failed, e.g. "exit-code". */
  failure: z.string().optional(),
  /** Its settings changed since it started: they apply at its next start. */
  pendingRestart: z.boolean().optional(),
  /** Where the machine is known from. */
  sources: z.object({
    machined: z.boolean(),
    unit: z.boolean(),
    nspawnFile: z.string().optional(),
    image: z.boolean(),
  }),
});
export type Machine = z.infer<typeof Machine>;

/** Machines that changed since the last list or delta: new or changed ones, and names gone. */
export const MachineDelta = z.object({ upsert: z.array(Machine), remove: z.array(z.string()) });
export type MachineDelta = z.infer<typeof MachineDelta>;

// One collator for every comparison: localeCompare with options builds one per call, which made
// sorting a thousand rows cost a few hundred milliseconds on each change.
const collator = new Intl.Collator(undefined, { numeric: true });
const plainCollator = new Intl.Collator();
/** Machine names in list order: numbers as numbers (web2 before web10). */
export const compareNames = (a: string, b: string): number => collator.compare(a, b);

/** A list with a delta applied, in the agent's order (by name, numbers as numbers). */
export function applyMachineDelta(list: Machine[], d: MachineDelta): Machine[] {
  // A few changes are found by binary search: a map of 10,000 rows for each cost ~10 ms a change.
  if (d.upsert.length + d.remove.length <= 64) {
    const out = list.slice();
    for (const n of d.remove) {
      const i = indexOfName(out, n);
      if (i >= 0) out.splice(i, 1);
    }
    for (const m of d.upsert) {
      const i = indexOfName(out, m.name);
      if (i >= 0) out[i] = m;
      else out.splice(insertionPoint(out, m.name), 0, m);
    }
    return out;
  }
  const byName = new Map(list.map((m) => [m.name, m]));
  for (const n of d.remove) byName.delete(n);
  const added: Machine[] = [];
  for (const m of d.upsert) {
    if (!byName.has(m.name)) added.push(m);
    byName.set(m.name, m);
  }
  const addedNames = new Set(added.map((m) => m.name));
  const out = [...byName.values()].filter((m) => !addedNames.has(m.name));
  if (added.length > 16) return [...out, ...added].sort((a, b) => compareNames(a.name, b.name));
  for (const m of added) out.splice(insertionPoint(out, m.name), 0, m);
  return out;
}

/** After the last row that sorts at or before `name`. */
function insertionPoint(sorted: Machine[], name: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareNames(sorted[mid].name, name) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The row named exactly `name`; names the collator counts as equal ('a1', 'a01') sit together. */
function indexOfName(sorted: Machine[], name: string): number {
  for (let i = insertionPoint(sorted, name) - 1; i >= 0 && compareNames(sorted[i].name, name) === 0; i--) {
    if (sorted[i].name === name) return i;
  }
  return -1;
}

export interface StateFacts {
  /** machined's State property, if machined knows the machine: opening | running | closing. */
  machined?: string;
  /** The unit's ActiveState, if the unit is loaded. */
  activeState?: string;
  /** Type of a pending job on the unit. */
  jobType?: string;
}

export function mapMachineState(f: StateFacts): MachineState {
  if (f.jobType) {
    if (f.jobType === 'stop') return 'stopping';
    if (['start', 'restart', 'try-restart', 'reload-or-start'].includes(f.jobType)) {
      return 'starting';
    }
  }
  switch (f.activeState) {
    case 'activating':
      return 'starting';
    case 'deactivating':
      return 'stopping';
    case 'failed':
      return f.machined ? machinedState(f.machined) : 'failed';
    case 'active':
    case 'reloading':
      return f.machined ? machinedState(f.machined) : 'starting';
  }
  return f.machined ? machinedState(f.machined) : 'stopped';
}

function machinedState(s: string): MachineState {
  if (s === 'opening') return 'starting';
  if (s === 'closing') return 'stopping';
  return 'running';
}

export const isActive = (s: MachineState) => s === 'running' || s === 'starting';

/** Sorting for the list: by column, stable on name. */
export type SortKey = 'name' | 'state' | 'os' | 'uptime';
export function compareMachines(a: Machine, b: Machine, key: SortKey): number {
  const byName = compareNames(a.name, b.name);
  let c = 0;
  if (key === 'state') c = MACHINE_STATES.indexOf(a.state) - MACHINE_STATES.indexOf(b.state);
  else if (key === 'os') c = plainCollator.compare(a.os ?? '~', b.os ?? '~');
  else if (key === 'uptime') c = (a.since ?? Infinity) - (b.since ?? Infinity);
  return c || byName;
}

/**
 * The list filter: `state:S` terms (any of them), `autostart:yes|no`, `host:H` (the host's label
 * must contain H), and the rest as one text found in the name, state, OS or an address.
 */
export function filterMachines(ms: Machine[], query: string, hostLabel?: string): Machine[] {
  const terms = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (!terms.length) return ms;
  const states = terms.filter((t) => t.startsWith('state:')).map((t) => t.slice(6));
  const autostart = terms.filter((t) => t.startsWith('autostart:')).map((t) => t.slice(10));
  const hosts = terms.filter((t) => t.startsWith('host:')).map((t) => t.slice(5));
  const q = terms.filter((t) => !/^(state|autostart|host):/.test(t)).join(' ');
  if (hostLabel !== undefined && !hosts.every((h) => hostLabel.toLowerCase().includes(h))) return [];
  return ms.filter((m) =>
    (!states.length || states.includes(m.state))
    && autostart.every((a) => (a === 'yes' ? m.autostart === true : a === 'no' ? m.autostart === false : m.autostart === undefined))
    && (!q || m.name.toLowerCase().includes(q) || m.state.includes(q) || (m.os ?? '').toLowerCase().includes(q)
      || m.addresses.some((a) => a.includes(q))));
}

/** Adds a filter term, or takes it out when it is there (quick filter buttons). */
export function toggleTerm(query: string, term: string): string {
  const terms = query.trim().split(/\s+/).filter(Boolean);
  const has = terms.some((t) => t.toLowerCase() === term);
  return (has ? terms.filter((t) => t.toLowerCase() !== term) : [...terms, term]).join(' ');
}

export function formatUptime(sinceMs: number | undefined, nowMs: number): string {
  if (sinceMs === undefined) return '';
  let s = Math.max(0, Math.floor((nowMs - sinceMs) / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}
