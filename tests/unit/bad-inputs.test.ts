// Every method of the contract, fed the bad-input table: the boundary answers with a typed
// invalid_request naming the field, and no handler ever runs.
import { describe, expect, it, vi } from 'vitest';
import { Dispatcher, type Handlers } from '../../agent/dispatcher';
import { requests, type Method } from '../../shared/contract';
import { badInputs, VALID } from '../bad-inputs';

const TABLE = badInputs();

function spyDispatcher() {
  const calls: string[] = [];
  const h = Object.fromEntries((Object.keys(requests) as Method[]).map((m) => [m, vi.fn(async () => {
    calls.push(m);
    return { ok: true };
  })])) as unknown as Handlers;
  return { d: new Dispatcher(h), calls };
}

describe('bad inputs at the backend boundary', () => {
  it('covers every method of the contract with several bad inputs', () => {
    for (const m of Object.keys(requests) as Method[]) {
      expect(TABLE.filter((c) => c.method === m && c.stage === 'boundary').length, m).toBeGreaterThanOrEqual(5);
    }
  });

  it('accepts the valid request each case is made from (so the table tests what it says)', async () => {
    const { d } = spyDispatcher();
    for (const m of Object.keys(requests) as Method[]) {
      expect(await d.dispatch(m, VALID[m]), m).toMatchObject({ ok: true });
    }
  });

  it.each(TABLE.filter((c) => c.stage === 'boundary').map((c) => [c.method, c.label, c] as const))(
    '%s with %s → invalid_request, no handler runs',
    async (_m, _l, c) => {
      const { d, calls } = spyDispatcher();
      const r = await d.dispatch(c.method, c.params);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe('invalid_request');
      expect(r.error.message).toMatch(new RegExp(`^invalid ${c.method.replace('.', '\\.')}: `));
      expect(Object.keys(r.error.fields ?? {}).length).toBeGreaterThan(0);
      // A clear message, never an echo of a megabyte of input.
      expect(r.error.message.length).toBeLessThan(300);
      expect(calls).toEqual([]);
    },
  );

  it('refuses control characters in network values before the service sees them', async () => {
    const { d, calls } = spyDispatcher();
    const r = await d.dispatch('network.preview', { ...VALID['network.preview'], host: { ...(VALID['network.preview'].host as object), addresses: ['\n10.0.0.1/24'] } });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_request', fields: { 'host.addresses.0': 'control characters are not allowed' } } });
    expect(calls).toEqual([]);
  });
});
