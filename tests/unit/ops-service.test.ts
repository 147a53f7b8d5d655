// Long operations as a window sees them: each change is an event, a cancel reaches the work, a
// failure keeps its reason, and the list keeps a bounded tail of ended ones.
import { describe, expect, it } from 'vitest';
import { OpsService } from '../../agent/ops/service';
import { RpcError } from '../../shared/errors';
import { OPS_KEPT, type Op } from '../../shared/ops';

function watched(): { ops: OpsService; seen: Op[] } {
  const ops = new OpsService();
  const seen: Op[] = [];
  ops.on('changed', (op: Op) => seen.push(op));
  return { ops, seen };
}

describe('OpsService', () => {
  it('reports each step and ends done at 100 %', async () => {
    const { ops, seen } = watched();
    const { op, ended } = ops.run('machine.start', 'Start web', 'web', async (ctx) => {
      ctx.progress('copying', 0.5);
    });
    expect(op).toMatchObject({ id: 'o1', state: 'running', title: 'Start web', target: 'web', cancellable: true });
    expect(await ended).toMatchObject({ state: 'done', fraction: 1, cancellable: false });
    expect(seen.map((o) => [o.state, o.step])).toEqual([['running', undefined], ['running', 'copying'], ['done', 'copying']]);
  });

  it('a cancel aborts the work and ends it cancelled; a second cancel is refused', async () => {
    const { ops } = watched();
    const { op, ended } = ops.run('machine.stop', 'Stop db', 'db', (ctx) => new Promise((_, reject) => {
      ctx.signal.addEventListener('abort', () => reject(new RpcError('cancelled', 'the stop of db was cancelled')));
    }));
    ops.cancel(op.id);
    expect(ops.list()[0].state).toBe('cancelling');
    expect(() => ops.cancel(op.id)).toThrow(/cancelling already/);
    expect(await ended).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
    expect(() => ops.cancel(op.id)).toThrow(/cancelled already/);
    expect(() => ops.cancel('o999')).toThrow(/no operation o999/);
  });

  it('work that finished before the cancel took effect is done, not cancelled', async () => {
    const { ops } = watched();
    const { op, ended } = ops.run('machine.start', 'Start web', 'web', async () => undefined);
    ops.cancel(op.id);
    expect((await ended).state).toBe('done');
  });

  it('a failure keeps its typed reason and details', async () => {
    const { ops } = watched();
    const { ended } = ops.run('machine.start', 'Start web', 'web', async () => {
      throw new RpcError('failed', 'start of web failed', undefined, ['line 1']);
    });
    expect(await ended).toMatchObject({ state: 'failed', error: { code: 'failed', message: 'start of web failed', details: ['line 1'] } });
  });

  it('keeps the newest ended operations first, at most OPS_KEPT, and running ones always', async () => {
    const { ops } = watched();
    let release!: () => void;
    const running = ops.run('machine.start', 'Start slow', 'slow', () => new Promise<void>((r) => { release = r; }));
    for (let i = 0; i < OPS_KEPT + 10; i++) await ops.run('machine.stop', `Stop m${i}`, `m${i}`, async () => undefined).ended;
    const list = ops.list();
    expect(list).toHaveLength(OPS_KEPT + 1);
    expect(list[0].title).toBe(`Stop m${OPS_KEPT + 9}`);
    expect(list.some((o) => o.id === running.op.id && o.state === 'running')).toBe(true);
    release();
    await running.ended;
  });
});
