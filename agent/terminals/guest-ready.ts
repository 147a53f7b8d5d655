// A container that machined lists as running may still be booting: until its system bus is up,
// `machinectl shell` fails ("There is no system bus in container") and ends. A shell for a
// booting container waits for that bus, bounded, once per boot.
import type { MachineService } from '../machines/service.js';
import { RpcError } from '../../shared/errors.js';
import { run, sleep } from '../proc.js';

/** States `systemctl is-system-running` reports once it reached the container's bus. */
const BUS_UP = new Set(['initializing', 'starting', 'running', 'degraded', 'maintenance']);
export const GUEST_READY_TIMEOUT_MS = 60_000;

export class GuestReadiness {
  /** Machine → the leader (boot) that was seen accepting shells. */
  private ready = new Map<string, number>();

  constructor(private readonly machines: MachineService) {}

  async wait(name: string, timeoutMs = GUEST_READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: string;
    for (;;) {
      const m = this.machines.list().find((x) => x.name === name);
      // Only root reaches a container's bus; a stopped or foreign machine is machinectl's to report.
      if (!m || m.state !== 'running' || m.class !== 'container' || !m.leader || process.getuid?.() !== 0) return;
      if (this.ready.get(name) === m.leader) return;
      const r = await run('systemctl', ['-M', name, 'is-system-running'], { timeoutMs: 5000 });
      const state = r.stdout.trim();
      if (BUS_UP.has(state)) {
        this.ready.set(name, m.leader);
        return;
      }
      last = (r.stderr.trim() || state).split('\n').pop() ?? '';
      if (Date.now() > deadline) {
        throw new RpcError('unavailable', `${name} did not accept shells within ${Math.round(timeoutMs / 1000)} s: its system bus is not up (${last})`);
      }
      await sleep(250);
    }
  }
}
