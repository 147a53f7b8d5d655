// What the agent knows of one machine, gathered from machined, systemd and the files, and the
// Machine the contract sends for it.
import { mapMachineState, type Machine } from '../../shared/machine.js';
import { unitForMachine } from '../../shared/names.js';
import { settingsChangedAt, type MachinedFacts, type UnitFacts } from './facts.js';

export interface Entry {
  machined?: MachinedFacts;
  unit?: UnitFacts;
  /** undefined: systemd could not say (shown as unknown, never as off). */
  autostart: boolean | undefined;
  nspawnFile?: string;
  image: boolean;
  os?: string;
  addresses: string[];
  /** ms: the newest change of its .nspawn or its credentials drop-in (0: none). */
  settingsChangedAt?: number;
}

export function toMachine(name: string, e: Entry, pendingJob?: string): Machine {
  const job = pendingJob ?? e.unit?.jobType;
  const state = mapMachineState({ machined: e.machined?.state, activeState: e.unit?.activeState, jobType: job });
  const running = state === 'running' || state === 'stopping';
  return {
    name,
    state,
    unit: unitForMachine(name),
    autostart: e.autostart,
    os: e.os,
    addresses: running ? e.addresses : [],
    since: e.machined?.since ?? e.unit?.activeEnter,
    leader: e.machined?.leader,
    class: e.machined?.class,
    job,
    failure: state === 'failed' ? e.unit?.result : undefined,
    pendingRestart: running && !!e.machined?.since && (e.settingsChangedAt ?? 0) > e.machined.since ? true : undefined,
    sources: { machined: !!e.machined, unit: !!e.unit, nspawnFile: e.nspawnFile, image: e.image },
  };
}

/** Whether machined's entry is the same running instance the list knew (same leader). */
export function sameInstance(m: MachinedFacts | undefined, prev: Entry | undefined): boolean {
  return !!m && !!prev?.machined && prev.machined.leader === m.leader;
}

/** A machine's entry from facts read now; OS and addresses carry over within one instance. */
export function entryOf(
  name: string, f: Pick<Entry, 'machined' | 'unit' | 'autostart' | 'nspawnFile' | 'image'>, prev: Entry | undefined,
): Entry {
  const same = sameInstance(f.machined, prev);
  return {
    ...f,
    settingsChangedAt: f.machined ? settingsChangedAt(name, f.nspawnFile) : undefined,
    os: same ? prev!.os : undefined,
    addresses: same ? prev!.addresses : [],
  };
}
