// How the hub starts the agent of a host. `local`: a child process on this machine, as the current
// user. `sandbox`: inside a sandbox host (nsenter into its namespaces), where `sandbox up` bound
// this machine's node and the agent bundle read-only under /opt/nspawn-desktop. Each may offer an
// admin variant (pkexec and our polkit action). Argv arrays only.
import { existsSync, readFileSync } from 'node:fs';
import type { HostProblem } from '../shared/contract.js';
import { join } from 'node:path';

/** A launcher's words for a failure; `lasting`: waiting will not fix it; `problem`: the kind. */
export interface Explained { message: string; lasting: boolean; problem?: HostProblem }

export interface Launcher {
  /** The host's id in the hub's list (HostId): 'local', 'sandbox-NAME', 'sandbox-NAME.USER'. */
  id: string;
  /** Shown to people: "localhost", "sandbox default". */
  label: string;
  kind: 'local' | 'sandbox' | 'ssh';
  /** ssh: Nix may provide node on a host without one (allowed by the user; saved with the host). */
  nixNode?: boolean;
  /** Work before each start (ssh: the agent bundle onto the host); a throw is the reason it is down. */
  prepare?(): Promise<void>;
  /** The agent's command line, resolved when it is (re)started. */
  argv(): string[];
  /** More environment for the agent's process (ssh: where its questions go). */
  env?(): Record<string, string>;
  /**
   * Why the agent's process ended, in words, where the launcher knows better than its stderr;
   * `lasting`: waiting will not fix it (retried rarely, or when asked).
   */
  explain?(code: number | null, stderr: string): Promise<Explained | undefined>;
  /**
   * The same host's agent with administrative access (pkexec and our polkit action), keeping the
   * shells of the pty host at `ptySocket`; absent where the agent runs as root already.
   */
  admin?(ptySocket?: string): Launcher;
}

/** Where packages install the admin agent; our polkit action (assets/polkit) names this path. */
export const ADMIN_AGENT = '/usr/libexec/nspawn-desktop/admin-agent';

/** NSD_ADMIN_AGENT: where this machine has it when not there (the Nix package's store path). */
const adminAgentPath = () => process.env.NSD_ADMIN_AGENT ?? ADMIN_AGENT;

const hostArgs = (label: string, kind: string, ptySocket?: string) => ['--label', label, '--kind', kind, ...(ptySocket ? ['--pty-socket', ptySocket] : [])];

/** Where a sandbox host sees node and the agent bundle (bound read-only at `sandbox up`). */
export const SANDBOX_AGENT_ROOT = '/opt/nspawn-desktop';

/** NSD_NODE: the node binary for local agents (Electron's own binary cannot run as Node). */
const nodeBinary = () => process.env.NSD_NODE ?? (process.versions.electron ? 'node' : process.execPath);

/** `agentDir`: where the bundle is (dist/agent from a checkout; beside the Electron main in a package). */
export function localLauncher(agentDir: string): Launcher {
  const bundle = join(agentDir, 'agent.cjs');
  const local: Launcher = {
    id: 'local', label: 'localhost', kind: 'local',
    argv: () => {
      if (!existsSync(bundle)) throw new Error(`no agent bundle at ${bundle}; run: npm run build`);
      return [nodeBinary(), bundle];
    },
  };
  if (process.getuid?.() !== 0) {
    local.admin = (ptySocket) => ({
      ...local, admin: undefined,
      argv: () => {
        const agent = adminAgentPath();
        // Said before pkexec asks for a password it could not use (an AppImage installs nothing).
        if (!existsSync(agent)) throw new Error(`administrative access needs the admin agent at ${agent}, which the deb package and the NixOS module install`);
        return ['pkexec', agent, ...hostArgs(local.label, local.kind, ptySocket)];
      },
    });
  }
  return local;
}

export function sandboxStatePath(name: string): string {
  return join(process.env.NSD_SANDBOX_ROOT ?? '/var/lib/nspawn-desktop/sandboxes', name, 'state.json');
}

/**
 * The agent inside sandbox `name`, read from the state file `sandbox up` writes (never its code).
 * With `user`, it runs as that user of the sandbox host (a desktop user: limited access, and
 * Unlock through pkexec); without, as the host's root.
 */
export function sandboxLauncher(name: string, user?: string): Launcher {
  const state = () => {
    const p = sandboxStatePath(name);
    if (!existsSync(p)) throw new Error(`sandbox ${name} is not running (no ${p}); run: npm run sandbox:up -- --name ${name}`);
    const s = JSON.parse(readFileSync(p, 'utf8')) as { execPrefix: string[]; agentRoot?: string };
    if (!s.agentRoot) throw new Error(`sandbox ${name} was booted without the agent bind; run: npm run sandbox:down -- --name ${name}, then up`);
    return s as { execPrefix: string[]; agentRoot: string };
  };
  // setpriv: become the user inside the host (as a login would), with a clean environment.
  const asUser = user ? ['setpriv', '--reuid', user, '--regid', user, '--init-groups', '--reset-env', '--'] : [];
  const label = user ? `sandbox ${name} (${user})` : `sandbox ${name}`;
  const launcher: Launcher = {
    id: user ? `sandbox-${name}.${user}` : `sandbox-${name}`, label, kind: 'sandbox',
    argv: () => {
      const s = state();
      return [...s.execPrefix, ...asUser, `${s.agentRoot}/bin/node`, `${s.agentRoot}/agent/agent.cjs`, ...hostArgs(label, 'sandbox')];
    },
  };
  if (user) {
    launcher.admin = (ptySocket) => ({
      ...launcher, admin: undefined,
      // pkexec asks polkit about its parent process, which must be inside the host's PID
      // namespace (nsenter's pid is not): a shell that waits for it is that parent.
      argv: () => [...state().execPrefix, ...asUser, 'sh', '-c', 'pkexec "$@"; exit $?', 'sh', ADMIN_AGENT, ...hostArgs(label, 'sandbox', ptySocket)],
    });
  }
  return launcher;
}

/** Whether this machine runs systemd with machined reachable on the system bus. */
export function hasLocalMachined(): boolean {
  return existsSync('/run/systemd/system') && existsSync('/run/dbus/system_bus_socket');
}
