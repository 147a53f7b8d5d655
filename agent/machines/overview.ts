// The host at a glance (Hosts drawer): the services this app relies on, and the space machines use.
import { statfsSync } from 'node:fs';
import type { Bus } from '../dbus/bus.js';
import { uint64 } from '../dbus/bus.js';
import type { HostOverview } from '../../shared/contract.js';
import { log } from '../proc.js';
import { M1, M1_PATH, M1_MANAGER, SD, SD_MANAGER, SD_PATH } from './facts.js';

const SERVICES = ['systemd-machined.service', 'systemd-networkd.service', 'systemd-importd.service'];
const MACHINES_DIR = '/var/lib/machines';

async function activeState(bus: Bus, unit: string): Promise<string> {
  try {
    // LoadUnit: a service that is not running (importd starts on demand) still has a state.
    const [path] = await bus.call(SD, SD_PATH, SD_MANAGER, 'LoadUnit', 's', [unit]);
    return String(await bus.getProperty(SD, String(path), `${SD}.Unit`, 'ActiveState'));
  } catch (e) {
    log(`state of ${unit} unknown: ${(e as Error).message}`);
    return 'unknown';
  }
}

function disk(): HostOverview['disk'] {
  try {
    const st = statfsSync(MACHINES_DIR);
    return { path: MACHINES_DIR, sizeBytes: st.blocks * st.bsize, freeBytes: st.bavail * st.bsize };
  } catch (e) {
    log(`${MACHINES_DIR} not measured: ${(e as Error).message}`);
    return undefined;
  }
}

export async function hostOverview(bus: Bus): Promise<HostOverview> {
  const [services, pool] = await Promise.all([
    Promise.all(SERVICES.map(async (unit) => ({ unit, state: await activeState(bus, unit) }))),
    bus.getAllProperties(M1, M1_PATH, M1_MANAGER).catch((e: Error) => {
      log(`machined's pool not read: ${e.message}`);
      return {} as Record<string, unknown>;
    }),
  ]);
  return { services, disk: disk(), poolUsageBytes: uint64(pool.PoolUsage), poolLimitBytes: uint64(pool.PoolLimit) };
}
