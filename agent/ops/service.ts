// The host's long operations: each runs once, reports its step and progress, can be cancelled
// (through an AbortSignal its work honours), and ends done, failed or cancelled. Every change is
// an event for every window of the host; ended ones stay listed (OPS_KEPT) with their error.
import { EventEmitter } from 'node:events';
import { OPS_KEPT, type Op } from '../../shared/ops.js';
import { RpcError } from '../../shared/errors.js';
import { toRpcError } from '../dispatcher.js';

export interface OpContext {
  readonly signal: AbortSignal;
  progress(step: string, fraction?: number): void;
}

export type OpWork = (ctx: OpContext) => Promise<void>;

interface Running {
  op: Op;
  abort: AbortController;
  done: Promise<Op>;
}

export class OpsService extends EventEmitter {
  private readonly ops = new Map<string, Running>();
  private next = 1;

  /** Starts `work` as an operation and returns it at once; `ended` resolves with its final state. */
  run(kind: string, title: string, target: string | undefined, work: OpWork, cancellable = true): { op: Op; ended: Promise<Op> } {
    const op: Op = { id: `o${this.next++}`, kind, title, target, state: 'running', cancellable, startedAt: Date.now() };
    const abort = new AbortController();
    const ctx: OpContext = {
      signal: abort.signal,
      progress: (step, fraction) => {
        if (op.state !== 'running') return;
        op.step = step;
        if (fraction !== undefined) op.fraction = Math.min(1, Math.max(0, fraction));
        this.changed(op);
      },
    };
    // Listed and announced before the work can report a step.
    this.changed(op);
    const done = (async () => {
      try {
        await work(ctx);
        // Finished before a cancel could take effect: it did happen, so it is done.
        op.state = 'done';
        op.fraction = 1;
      } catch (e) {
        const err = toRpcError(e);
        op.state = abort.signal.aborted ? 'cancelled' : 'failed';
        op.error = { code: err.code, message: err.message, details: err.details };
      }
      op.endedAt = Date.now();
      op.cancellable = false;
      this.changed(op);
      this.trim();
      return op;
    })();
    this.ops.set(op.id, { op, abort, done });
    return { op: { ...op }, ended: done.then((o) => ({ ...o })) };
  }

  list(): Op[] {
    return [...this.ops.values()].map((r) => ({ ...r.op })).reverse();
  }

  cancel(id: string): void {
    const r = this.ops.get(id);
    if (!r) throw new RpcError('not_found', `no operation ${id}`);
    if (r.op.state !== 'running') throw new RpcError('conflict', `${r.op.title} is ${r.op.state} already`);
    if (!r.op.cancellable) throw new RpcError('conflict', `${r.op.title} cannot be cancelled`);
    r.op.state = 'cancelling';
    this.changed(r.op);
    r.abort.abort();
  }

  /** The agent stops: running work is told to stop; nothing waits for it. */
  stopAll(): void {
    for (const r of this.ops.values()) if (r.op.state === 'running') r.abort.abort();
  }

  private changed(op: Op): void {
    this.emit('changed', { ...op });
  }

  private trim(): void {
    const ended = [...this.ops.values()].filter((r) => r.op.endedAt !== undefined);
    for (const r of ended.slice(0, Math.max(0, ended.length - OPS_KEPT))) this.ops.delete(r.op.id);
  }
}
