// Talks to systemd-networkd (and systemd, for its unit) on one side of a veth: on the host over
// the backend's own bus connection; in a container through `busctl -M NAME`, which joins the
// container's namespaces itself and connects to its bus socket there, so no socket path is ever
// walked through /proc/PID/root (where the container could point it at the host's bus).
import type { Bus } from '../dbus/bus.js';
import type { Host } from '../host.js';
import { run } from '../proc.js';
import { formatAddress, SD, SD_MANAGER, SD_PATH } from '../machines/facts.js';
import { RpcError } from '../../shared/errors.js';

const N1 = 'org.freedesktop.network1';
const N1_PATH = '/org/freedesktop/network1';
const N1_MANAGER = `${N1}.Manager`;
const DBUS = ['org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus'] as const;
const NETWORKD_UNIT = 'systemd-networkd.service';

export interface LinkState { operState?: string; networkFile?: string; addresses: string[] }

interface Caller {
  call(dest: string, path: string, iface: string, member: string, sig: string, args: (string | number)[], interactive?: boolean): Promise<unknown[]>;
  property(dest: string, path: string, iface: string, name: string): Promise<unknown>;
}

function busCaller(bus: Bus): Caller {
  return {
    call: (d, p, i, m, s, a, interactive) => bus.call(d, p, i, m, s, a, { interactive }),
    property: async (d, p, i, name) => {
      const [v] = await bus.call(d, p, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [i, name]);
      return (v as { value?: unknown })?.value ?? v;
    },
  };
}

/** `busctl -M machine`: argv only; the machine name is validated by the contract. */
function machineCaller(host: Host, machine: string): Caller {
  const busctl = async (args: string[]): Promise<unknown> => {
    const argv = ['busctl', '--json=short', '--timeout=10', `--machine=${machine}`, ...args];
    const r = await run(argv[0], argv.slice(1), { timeoutMs: 15_000 });
    if (r.code !== 0) throw new RpcError('unavailable', `${machine}: ${(r.stderr || r.stdout).trim().split('\n').pop() || `busctl exited (${r.code})`}`);
    // A method with an empty reply (Reload) prints nothing.
    return r.stdout.trim() ? (JSON.parse(r.stdout) as { data: unknown }).data : [];
  };
  return {
    call: async (d, p, i, m, s, a) => (await busctl(['call', d, p, i, m, ...(s ? [s, ...a.map(String)] : [])])) as unknown[],
    property: (d, p, i, name) => busctl(['get-property', d, p, i, name]),
  };
}

export class NetworkdControl {
  private constructor(private readonly c: Caller, readonly where: string) {}

  static onHost(bus: Bus): NetworkdControl {
    return new NetworkdControl(busCaller(bus), 'the host');
  }

  static inMachine(host: Host, machine: string): NetworkdControl {
    return new NetworkdControl(machineCaller(host, machine), machine);
  }

  /** Whether networkd holds its bus name now; the bus daemon answers at once. */
  async onBus(): Promise<boolean> {
    const [has] = await this.c.call(...DBUS, 'NameHasOwner', 's', [N1]);
    return has === true;
  }

  /** systemd's ActiveState of networkd's unit ('inactive' when it is not loaded). */
  async unitState(): Promise<string> {
    let path: unknown;
    try {
      [path] = await this.c.call(SD, SD_PATH, SD_MANAGER, 'GetUnit', 's', [NETWORKD_UNIT]);
    } catch (e) {
      if (/NoSuchUnit|not loaded/i.test(String((e as Error).message) + String((e as { dbusName?: string }).dbusName))) return 'inactive';
      throw e;
    }
    return String(await this.c.property(SD, String(path), `${SD}.Unit`, 'ActiveState'));
  }

  async restart(): Promise<void> {
    await this.c.call(SD, SD_PATH, SD_MANAGER, 'RestartUnit', 'ss', [NETWORKD_UNIT, 'replace'], true);
  }

  async reload(): Promise<void> {
    await this.c.call(N1, N1_PATH, N1_MANAGER, 'Reload', '', [], true);
  }

  async reconfigure(link: string): Promise<void> {
    const [ifindex] = await this.c.call(N1, N1_PATH, N1_MANAGER, 'GetLinkByName', 's', [link]);
    await this.c.call(N1, N1_PATH, N1_MANAGER, 'ReconfigureLink', 'i', [Number(ifindex)], true);
  }

  async describe(link: string): Promise<LinkState> {
    const [ifindex] = await this.c.call(N1, N1_PATH, N1_MANAGER, 'GetLinkByName', 's', [link]);
    const [json] = await this.c.call(N1, N1_PATH, N1_MANAGER, 'DescribeLink', 'i', [Number(ifindex)]);
    const d = JSON.parse(String(json)) as { OperationalState?: string; NetworkFile?: string; Addresses?: { Family: number; Address: number[]; PrefixLength: number }[] };
    return {
      operState: d.OperationalState, networkFile: d.NetworkFile,
      addresses: (d.Addresses ?? []).map((a) => `${formatAddress(a.Family, a.Address)}/${a.PrefixLength}`),
    };
  }
}
