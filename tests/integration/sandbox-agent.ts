// Shared setup of the integration tests: a fresh sandbox host and its agent, reached the way the
// product reaches it: hub (AgentLink) → sandbox launcher → agent process inside the host.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { AgentLink } from '../../hub/agent-link';
import { DirectClient } from '../../hub/direct-client';
import { sandboxLauncher } from '../../hub/launchers';
import { down, up, type SandboxState } from '../../sandbox/sandbox';


export async function until(what: string, pred: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until a guest's systemd has booted: one still booting ignores the stop signal until
 * systemd kills it 90 s later. Polled: `is-system-running --wait` returns at once while the
 * guest's bus is not up yet (exit 1), and systemctl exits 255 while it cannot reach it at all.
 */
export async function untilBooted(state: SandboxState, machine: string, timeoutMs = 90_000): Promise<void> {
  await until(`${machine} booted`, () => /^(running|degraded)\b/.test(inHost(state, ['systemctl', '-M', machine, 'is-system-running'], [0, 1, 255])), timeoutMs);
}

/** Runs argv inside the sandbox host, as an admin would there. */
export function inHost(state: SandboxState, argv: string[], okCodes = [0], timeoutMs = 60_000): string {
  const r = spawnSync(state.execPrefix[0], [...state.execPrefix.slice(1), ...argv], { encoding: 'utf8', timeout: timeoutMs });
  if (r.error) throw new Error(`${argv.join(' ')}: ${r.error.message}`);
  if (!okCodes.includes(r.status ?? -1)) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * PIDs (as this machine sees them) of agent processes running in this sandbox's host (its mount
 * namespace). A child the agent is forking (busctl, journalctl) shows the agent's command line
 * until it execs: a candidate whose parent is a candidate is such a child, not an agent.
 */
export function agentPids(state: SandboxState): number[] {
  return bundlePids(state, '/agent/agent.cjs');
}

/** The host's pty host (it holds the shells; agents come and go). */
export function ptyHostPids(state: SandboxState): number[] {
  return bundlePids(state, '/agent/pty-host.cjs');
}

function bundlePids(state: SandboxState, bundle: string): number[] {
  const mnt = readlinkSync(`/proc/${state.leaderPid}/ns/mnt`);
  const found = new Map<number, number>(); // pid -> parent pid
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (!(cmd[0].endsWith('/bin/node') && cmd[1]?.endsWith(bundle) && readlinkSync(`/proc/${p}/ns/mnt`) === mnt)) continue;
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      found.set(Number(p), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      continue; // exited while we looked
    }
  }
  return [...found.keys()].filter((pid) => !found.has(found.get(pid)!));
}

/** Boots sandbox `name` afresh and starts its agent; resolves once web and db are running. */
export async function sandboxAgent(name: string, nixos: boolean): Promise<{ state: SandboxState; link: AgentLink; client: DirectClient }> {
  await down(name);
  const state = await up({ name, extraGuests: 0, nixos });
  const link = new AgentLink(sandboxLauncher(name));
  await link.start();
  if (!link.isReady) throw new Error(`the agent in sandbox ${name} did not start`);
  const client = new DirectClient(link);
  await until('the agent on the bus', () => client.status?.connected === true, 20_000);
  await client.refresh();
  await until('web and db listed as running', () => client.stateOf('web') === 'running' && client.stateOf('db') === 'running', 20_000);
  return { state, link, client };
}
