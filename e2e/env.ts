// Shared by the e2e setup and specs: the sandbox and web-mode backend they run against.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export const SANDBOX = process.env.NSD_E2E_SANDBOX ?? 'e2e';
// One per sandbox: `npm test` runs two halves of these tests side by side, each with its own.
export const STATE_FILE = join(import.meta.dirname, '.state', `web-${SANDBOX}.json`);

export interface E2EState {
  url: string;
  serverPid: number;
  leaderPid: number;
  busAddress: string;
  execPrefix: string[];
}

export function e2eState(): E2EState {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2EState;
}

/** Runs argv inside the sandbox host (as an admin would with machinectl/systemctl there). */
export function inHost(argv: string[]): string {
  const s = e2eState();
  const r = spawnSync(s.execPrefix[0], [...s.execPrefix.slice(1), ...argv], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** The PID of the e2e web server's agent (a descendant of the server's process). */
export function agentPidOfServer(): number | undefined {
  const { serverPid } = e2eState();
  const parent = new Map<number, number>();
  const agents: number[] = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (cmd[1]?.endsWith('/agent/agent.cjs')) agents.push(Number(d));
    } catch {
      continue; // exited while we looked
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = parent.get(pid); p && p > 1; p = parent.get(p)) if (p === serverPid) return true;
    return false;
  };
  // A forked child (busctl before its exec) shows the agent's command line: skip children of agents.
  return agents.find((a) => descends(a) && !agents.includes(parent.get(a)!));
}
