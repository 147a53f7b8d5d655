// Shared by the e2e setup and specs: the sandbox and web-mode backend they run against.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export const SANDBOX = process.env.NSD_E2E_SANDBOX ?? 'e2e';
export const STATE_FILE = join(import.meta.dirname, '.state', 'web.json');

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
