// The sandbox uses the backend's process helpers, with its own log prefix.
export { run, runOk, sleep, pidAlive, waitFor, type RunResult } from '../electron/backend/proc.js';

export function log(msg: string): void {
  process.stderr.write(`[sandbox] ${msg}\n`);
}
