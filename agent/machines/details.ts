// The details view: the .nspawn settings (read-only, with their file), machined and unit facts.
import type { Bus } from '../dbus/bus.js';
import type { Host } from '../host.js';
import type { MachineDetails } from '../../shared/contract.js';
import { parseUnit } from '../../shared/unitfile.js';
import { unitForMachine } from '../../shared/names.js';
import { RootedTree } from '../files/rooted-tree.js';
import { getMachined, listNspawnFiles, M1, M1_MANAGER, M1_PATH, SD, SD_MANAGER, SD_PATH } from './facts.js';

export async function readDetails(bus: Bus, host: Host, name: string): Promise<MachineDetails> {
  const file = listNspawnFiles().get(name);
  const settings: MachineDetails['nspawn']['settings'] = [];
  if (file) {
    const tree = RootedTree.open('/', 'on the host');
    let text: string;
    try {
      text = tree.read(file).text ?? '';
    } finally {
      tree.close();
    }
    // A credential's value never leaves the host: its name is enough to show.
    for (const l of parseUnit(text).lines) {
      if (l.kind !== 'entry') continue;
      const secret = /^SetCredential(Encrypted)?$/.test(l.key!);
      settings.push({ section: l.section, key: l.key!, value: secret ? `${l.value!.split(':')[0]}:(secret)` : l.value! });
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
  return { name, nspawn: { file, settings }, rootDirectory, leader: machined?.leader, unit, osRelease };
}
