// What can be done to a machine: systemd jobs on its unit (followed to their result, cancellable),
// signals to its leader through machined, and its autostart. Each touches the inventory so the
// list shows the change at once.
import { unitForMachine } from '../../shared/names.js';
import { log } from '../proc.js';
import { M1, M1_MANAGER, M1_PATH, SD, SD_MANAGER, SD_PATH } from './facts.js';
import type { MachineService } from './service.js';

export class MachineActions {
  constructor(private readonly m: MachineService) {}

  /** Starts a systemd job on the machine's unit and resolves when systemd reports it done.
   * `signal` cancels a start: a stop job replaces it, so the start job ends 'canceled', and this
   * resolves once the machine is stopped, its unit's failure (the killed start) reset: the person
   * asked for it. (Job.Cancel alone would leave a unit that is already activating to carry on
   * without a job: a start that cannot be stopped from where it was started.) */
  async unitJob(name: string, method: 'StartUnit' | 'StopUnit' | 'RestartUnit', signal?: AbortSignal): Promise<void> {
    const bus = this.m.requireBus();
    const unit = unitForMachine(name);
    const type = method === 'StartUnit' ? 'start' : method === 'StopUnit' ? 'stop' : 'restart';
    const wait = this.m.jobs.begin(name, type);
    this.m.touch(name);
    let cancel: (() => void) | undefined;
    let stopping: Promise<void> | undefined;
    try {
      const [jobPath] = await bus.call(SD, SD_PATH, SD_MANAGER, method, 'ss', [unit, 'replace'], { interactive: true });
      cancel = () => {
        stopping = (async () => {
          const [stopJob] = await bus.call(SD, SD_PATH, SD_MANAGER, 'StopUnit', 'ss', [unit, 'replace'], { interactive: true });
          await this.m.jobs.result(String(stopJob));
          await bus.call(SD, SD_PATH, SD_MANAGER, 'ResetFailedUnit', 's', [unit], { interactive: true });
        })().catch((e: Error) => log(`cancelling the ${type} of ${name}: ${e.message}`));
      };
      if (signal?.aborted) cancel();
      else signal?.addEventListener('abort', cancel, { once: true });
      await wait.attach(String(jobPath)).finally(() => stopping);
    } finally {
      if (cancel) signal?.removeEventListener('abort', cancel);
      this.m.jobs.end(name);
      this.m.touch(name);
    }
  }

  async kill(name: string, signal: number): Promise<void> {
    await this.m.requireBus().call(M1, M1_PATH, M1_MANAGER, 'KillMachine', 'ssi', [name, 'leader', signal], { interactive: true });
  }

  async terminate(name: string): Promise<void> {
    await this.m.requireBus().call(M1, M1_PATH, M1_MANAGER, 'TerminateMachine', 's', [name], { interactive: true });
  }

  async setAutostart(name: string, enabled: boolean): Promise<void> {
    const bus = this.m.requireBus();
    const unit = unitForMachine(name);
    if (enabled) await bus.call(SD, SD_PATH, SD_MANAGER, 'EnableUnitFiles', 'asbb', [[unit], false, false], { interactive: true });
    else await bus.call(SD, SD_PATH, SD_MANAGER, 'DisableUnitFiles', 'asb', [[unit], false], { interactive: true });
    // As `systemctl enable` does, so machines.target's dependencies are current.
    await bus.call(SD, SD_PATH, SD_MANAGER, 'Reload', '', [], { interactive: true, timeoutMs: 60_000 });
    this.m.touch(name);
  }
}
