// The sandbox uses the backend's process helpers, with its own log prefix, and reads /proc.
import { readFileSync } from 'node:fs';

export { run, runOk, sleep, pidAlive, waitFor, type RunResult } from '../agent/proc.js';

export function log(msg: string): void {
  process.stderr.write(`[sandbox] ${msg}\n`);
}

/** Direct children of `pid` (none once it has exited). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Whether `pid` is PID 1 of a PID namespace below ours, i.e. a container's init. */
export function isNamespaceInit(pid: number): boolean {
  const nspid = /^NSpid:\s+(.+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1].trim().split(/\s+/) ?? [];
  return nspid.length > 1 && nspid.at(-1) === '1';
}
