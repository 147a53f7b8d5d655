// Follows systemd jobs we started until JobRemoved reports their result.
import { RpcError } from '../../shared/errors.js';

interface Waiter {
  name: string;
  type: string;
  path?: string;
  resolve: () => void;
  reject: (e: Error) => void;
}

const JOB_TIMEOUT_MS = 120_000;

export class JobTracker {
  private byName = new Map<string, Waiter>();
  /** Jobs followed by path alone (a stop that cancels a start), to their result string. */
  private byPath = new Map<string, (result: string) => void>();
  /** JobRemoved can overtake the method reply that names the job; remember recent results. */
  private recent = new Map<string, string>();

  begin(name: string, type: string): { attach(path: string): Promise<void> } {
    if (this.byName.has(name)) throw new RpcError('conflict', `a ${this.byName.get(name)!.type} of ${name} is already running`);
    let waiter!: Waiter;
    const done = new Promise<void>((resolve, reject) => {
      waiter = { name, type, resolve, reject };
    });
    this.byName.set(name, waiter);
    return {
      attach: (path: string) => {
        waiter.path = path;
        const early = this.recent.get(path);
        if (early !== undefined) this.settle(waiter, early);
        const timer = setTimeout(() => waiter.reject(new RpcError('failed', `${type} of ${name} did not finish within ${JOB_TIMEOUT_MS / 1000} s`)), JOB_TIMEOUT_MS);
        return done.finally(() => clearTimeout(timer));
      },
    };
  }

  /** The result of a job we queued ourselves ('done', 'canceled', 'failed', ...). */
  result(path: string): Promise<string> {
    const early = this.recent.get(path);
    if (early !== undefined) return Promise.resolve(early);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.byPath.delete(path);
        resolve('timeout');
      }, JOB_TIMEOUT_MS);
      this.byPath.set(path, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  end(name: string): void {
    this.byName.delete(name);
  }

  pendingType(name: string): string | undefined {
    return this.byName.get(name)?.type;
  }

  seen(_name: string, _id: number, _path: string): void {
    // JobNew: the unit's state refresh shows the job; nothing to track here.
  }

  finished(path: string, result: string): void {
    const follower = this.byPath.get(path);
    if (follower) {
      this.byPath.delete(path);
      follower(result);
      return;
    }
    for (const w of this.byName.values()) {
      if (w.path === path) return this.settle(w, result);
    }
    this.recent.set(path, result);
    if (this.recent.size > 256) this.recent.delete(this.recent.keys().next().value!);
  }

  failAll(reason: string): void {
    for (const w of this.byName.values()) w.reject(new RpcError('unavailable', reason));
  }

  private settle(w: Waiter, result: string): void {
    if (result === 'done') w.resolve();
    else if (result === 'canceled') w.reject(new RpcError('cancelled', `the ${w.type} of ${w.name} was cancelled`));
    else w.reject(new RpcError('failed', `${w.type} of ${w.name} ${result === 'failed' ? 'failed' : `ended with result "${result}"`}`));
  }
}
