// A host = a system bus address + a command prefix + a root for file access. Local, the sandbox
// (nsenter into its host container) and, later, SSH hosts are one code path.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Host {
  label: string;
  kind: 'local' | 'sandbox';
  busAddress: string;
  /** argv prepended to commands that must run on the host, e.g. ['nsenter','-t','123','-a']. */
  execPrefix: string[];
  /** Prefix for host file paths as seen from this process ('' for local). */
  fsRoot: string;
  /** One run of an agent (see HostInfo.epoch). */
  epoch?: string;
}

export const LOCAL_BUS = 'unix:path=/run/dbus/system_bus_socket';

/** The host this process runs on; an agent is told by its hub how people call it (NSD_HOST_LABEL/KIND). */
export function localHost(epoch?: string): Host {
  const kind = process.env.NSD_HOST_KIND === 'sandbox' ? 'sandbox' : 'local';
  return { label: process.env.NSD_HOST_LABEL ?? 'localhost', kind, busAddress: process.env.DBUS_SYSTEM_BUS_ADDRESS ?? LOCAL_BUS, execPrefix: [], fsRoot: '', epoch };
}

export function hasLocalMachined(): boolean {
  return existsSync('/run/systemd/system') && existsSync('/run/dbus/system_bus_socket');
}

export function sandboxStatePath(name: string): string {
  const root = process.env.NSD_SANDBOX_ROOT ?? '/var/lib/nspawn-desktop/sandboxes';
  return join(root, name, 'state.json');
}

export function sandboxHost(name: string): Host {
  const p = sandboxStatePath(name);
  if (!existsSync(p)) throw new Error(`sandbox ${name} is not running (no ${p}); run: npm run sandbox:up`);
  const s = JSON.parse(readFileSync(p, 'utf8')) as { leaderPid: number; busAddress: string; execPrefix: string[] };
  return {
    label: `sandbox ${name}`,
    kind: 'sandbox',
    busAddress: s.busAddress,
    execPrefix: s.execPrefix,
    fsRoot: `/proc/${s.leaderPid}/root`,
  };
}

/** NSD_SANDBOX=name selects a sandbox; otherwise the local system bus. */
export function hostFromEnv(): Host {
  const sb = process.env.NSD_SANDBOX;
  return sb ? sandboxHost(sb) : localHost();
}
