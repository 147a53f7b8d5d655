// The details view: the .nspawn settings (read-only, with their file), machined and unit facts.
import type { Bus } from '../dbus/bus.js';
import type { Host } from '../host.js';
import { NSPAWN_VALUE_SHOWN, type MachineDetails } from '../../shared/contract.js';
import { parseUnit } from '../../shared/unitfile.js';
import { unitForMachine } from '../../shared/names.js';
import { withHostTree } from '../files/rooted-tree.js';
import { getMachined, listNspawnFiles, M1, M1_MANAGER, M1_PATH, SD, SD_MANAGER, SD_PATH } from './facts.js';

/** The .nspawn as the details view shows it: settings with long values cut, and what is wrong. */
export function nspawnSettings(text: string): Pick<MachineDetails['nspawn'], 'settings' | 'problems'> {
  const settings: MachineDetails['nspawn']['settings'] = [];
  const problems: string[] = [];
  let lineNo = 1;
  for (const l of parseUnit(text).lines) {
    const at = lineNo;
    lineNo += l.raw.split('\n').length - (l.raw.endsWith('\n') ? 1 : 0);
    const shown = l.raw.trim().slice(0, 60);
    if (l.kind === 'other') problems.push(`line ${at}: not a setting or a [section]: "${shown}"`);
    if (l.kind !== 'entry') continue;
    if (!l.key || !/^[A-Za-z0-9-]+$/.test(l.key)) {
      problems.push(`line ${at}: "${shown}" has no valid setting name; systemd-nspawn ignores it`);
      continue;
    }
    if (!l.section) problems.push(`line ${at}: ${l.key}= is outside any [section]; systemd-nspawn ignores it`);
    // A credential's value never leaves the host: its name is enough to show.
    const secret = /^SetCredential(Encrypted)?$/.test(l.key);
    const value = secret ? `${l.value!.split(':')[0].slice(0, 256)}:(secret)` : l.value!;
    const omitted = value.length > NSPAWN_VALUE_SHOWN ? value.length - NSPAWN_VALUE_SHOWN : undefined;
    settings.push({ section: l.section, key: l.key, value: omitted ? value.slice(0, NSPAWN_VALUE_SHOWN) : value, omitted });
  }
  return { settings, problems: problems.length ? problems.slice(0, 50) : undefined };
}

export async function readDetails(bus: Bus, host: Host, name: string): Promise<MachineDetails> {
  const file = listNspawnFiles().get(name);
  let nspawn: MachineDetails['nspawn'] = { file, settings: [] };
  if (file) {
    try {
      nspawn = { file, ...nspawnSettings(withHostTree((tree) => tree.read(file).text ?? '')) };
    } catch (e) {
      // Shown on this machine's details; the rest of them still load.
      nspawn = { file, settings: [], error: (e as Error).message };
    }
  }
  const machined = await getMachined(bus, name).catch(() => undefined);
  let rootDirectory: string | undefined;
  let osRelease: Record<string, string> = {};
  if (machined) {
    const p = await bus.getAllProperties(M1, machined.path, `${M1}.Machine`).catch(() => ({} as Record<string, unknown>));
    rootDirectory = p.RootDirectory ? String(p.RootDirectory) : undefined;
    const [os] = await bus.call(M1, M1_PATH, M1_MANAGER, 'GetMachineOSRelease', 's', [name]).catch(() => [{}]);
    osRelease = os as Record<string, string>;
  }
  let unit: MachineDetails['unit'] = {};
  try {
    const [path] = await bus.call(SD, SD_PATH, SD_MANAGER, 'GetUnit', 's', [unitForMachine(name)]);
    const u = await bus.getAllProperties(SD, String(path), `${SD}.Unit`);
    unit = { activeState: String(u.ActiveState), subState: String(u.SubState), since: Number(u.StateChangeTimestamp as bigint) / 1000 || undefined };
  } catch {
    // not loaded: never started since boot
  }
  return { name, nspawn, rootDirectory, leader: machined?.leader, unit, osRelease };
}
