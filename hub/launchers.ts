// How the hub starts the agent of a host. `local`: a child process on this machine, as the current
// user. `sandbox`: inside a sandbox host (nsenter into its namespaces), where `sandbox up` bound
// this machine's node and the agent bundle read-only under /opt/nspawn-desktop. Later: admin
// (pkexec) and ssh. Argv arrays only.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Launcher {
  /** The host's id in the hub's list (HostId): 'local', 'sandbox-NAME'. */
  id: string;
  /** Shown to people: "localhost", "sandbox default". */
  label: string;
  kind: 'local' | 'sandbox';
  /** The agent's command line, resolved when it is (re)started. */
  argv(): string[];
}

/** Where a sandbox host sees node and the agent bundle (bound read-only at `sandbox up`). */
export const SANDBOX_AGENT_ROOT = '/opt/nspawn-desktop';

/** NSD_NODE: the node binary for local agents (Electron's own binary cannot run as Node). */
const nodeBinary = () => process.env.NSD_NODE ?? (process.versions.electron ? 'node' : process.execPath);

/** `agentDir`: where the bundle is (dist/agent from a checkout; beside the Electron main in a package). */
export function localLauncher(agentDir: string): Launcher {
  const bundle = join(agentDir, 'agent.cjs');
  return {
    id: 'local', label: 'localhost', kind: 'local',
    argv: () => {
      if (!existsSync(bundle)) throw new Error(`no agent bundle at ${bundle}; run: npm run build`);
      return [nodeBinary(), bundle];
    },
  };
}

export function sandboxStatePath(name: string): string {
  return join(process.env.NSD_SANDBOX_ROOT ?? '/var/lib/nspawn-desktop/sandboxes', name, 'state.json');
}

/** The agent inside sandbox `name`, read from the state file `sandbox up` writes (never its code). */
export function sandboxLauncher(name: string): Launcher {
  return {
    id: `sandbox-${name}`, label: `sandbox ${name}`, kind: 'sandbox',
    argv: () => {
      const p = sandboxStatePath(name);
      if (!existsSync(p)) throw new Error(`sandbox ${name} is not running (no ${p}); run: npm run sandbox:up -- --name ${name}`);
      const s = JSON.parse(readFileSync(p, 'utf8')) as { execPrefix: string[]; agentRoot?: string };
      if (!s.agentRoot) throw new Error(`sandbox ${name} was booted without the agent bind; run: npm run sandbox:down -- --name ${name}, then up`);
      return [...s.execPrefix, `${s.agentRoot}/bin/node`, `${s.agentRoot}/agent/agent.cjs`];
    },
  };
}

/** Whether this machine runs systemd with machined reachable on the system bus. */
export function hasLocalMachined(): boolean {
  return existsSync('/run/systemd/system') && existsSync('/run/dbus/system_bus_socket');
}
