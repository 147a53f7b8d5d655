// Runs in the agent: the last journal lines of a machine's unit, shown with a failed action.
import { log, run, sleep } from '../proc.js';

/** journald takes a unit's output in on its own time: right after a failure it may have none of
 * it yet (seen in CI), so an empty answer is asked again for up to 1.75 s. */
export async function unitLog(name: string, lines = 10): Promise<string[]> {
  const argv = ['journalctl', '--no-pager', '-o', 'cat', '-n', String(lines), '-u', `systemd-nspawn@${name}.service`];
  for (const waitMs of [0, 250, 500, 1000]) {
    if (waitMs) await sleep(waitMs);
    try {
      const got = (await run(argv[0], argv.slice(1), { timeoutMs: 5000 })).stdout.split('\n').filter(Boolean).slice(-lines);
      if (got.length) return got;
    } catch (e) {
      log(`unit log of ${name} not read: ${(e as Error).message}`);
      return [];
    }
  }
  return [];
}
