import { describe, expect, it, vi } from 'vitest';
import { Dispatcher, type Handlers } from '../../agent/dispatcher';
import { requests, type Method } from '../../shared/contract';
import { RpcError } from '../../shared/errors';

function spyHandlers() {
  const calls: string[] = [];
  const h = Object.fromEntries(
    (Object.keys(requests) as Method[]).map((m) => [m, vi.fn(async () => { calls.push(m); return { ok: true }; })]),
  ) as unknown as Handlers;
  return { h, calls };
}

describe('Dispatcher', () => {
  it('refuses unknown methods and prototype names', async () => {
    const { h, calls } = spyHandlers();
    const d = new Dispatcher(h);
    for (const m of ['nope', 'constructor', '__proto__', 'toString', 42]) {
      const r = await d.dispatch(m, {});
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('unknown_method');
    }
    expect(calls).toEqual([]);
  });

  it.each([
    ['machines.start', { name: 'web; reboot' }, 'name'],
    ['machines.start', { name: '../../etc' }, 'name'],
    ['machines.start', { name: '-rf' }, 'name'],
    ['machines.start', { name: 'a'.repeat(100) }, 'name'],
    ['machines.start', { name: 42 }, 'name'],
    ['machines.start', { name: 'web', extra: 1 }, '(request)'],
    ['machines.setAutostart', { name: 'web', enabled: 'yes' }, 'enabled'],
    ['terminal.open', { machine: 'web', cols: 80, rows: 24, user: 'root --help' }, 'user'],
    ['terminal.open', { machine: 'web', cols: 0, rows: 24 }, 'cols'],
    ['terminal.open', { machine: 'web', cols: 80, rows: 24, command: ['a\0b'] }, 'command.0'],
    ['terminal.write', { id: '../t1', data: 'x' }, 'id'],
  ])('%s %j → invalid_request on %s, handler not called', async (method, params, field) => {
    const { h, calls } = spyHandlers();
    const r = await new Dispatcher(h).dispatch(method, params);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('invalid_request');
      expect(Object.keys(r.error.fields ?? {})).toContain(field);
    }
    expect(calls).toEqual([]);
  });

  it('passes valid input to the handler and returns its result', async () => {
    const { h, calls } = spyHandlers();
    const r = await new Dispatcher(h).dispatch('machines.stop', { name: 'web' });
    expect(r).toEqual({ ok: true, result: { ok: true } });
    expect(calls).toEqual(['machines.stop']);
  });

  it('turns handler failures into typed errors', async () => {
    const { h } = spyHandlers();
    h['machines.start'] = async () => { throw new RpcError('conflict', 'busy'); };
    h['machines.stop'] = async () => { throw Object.assign(new Error('Access denied'), { dbusName: 'org.freedesktop.DBus.Error.AccessDenied' }); };
    h['machines.restart'] = async () => { throw new Error('boom'); };
    const d = new Dispatcher(h);
    expect(await d.dispatch('machines.start', { name: 'web' })).toMatchObject({ ok: false, error: { code: 'conflict', message: 'busy' } });
    expect(await d.dispatch('machines.stop', { name: 'web' })).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
    expect(await d.dispatch('machines.restart', { name: 'web' })).toMatchObject({ ok: false, error: { code: 'internal', message: 'boom' } });
  });

  it.each([
    ['org.freedesktop.DBus.Error.ServiceUnknown', 'unavailable'],
    ['org.freedesktop.systemd1.UnitMasked', 'unavailable'],
    ['org.freedesktop.DBus.Error.Spawn.ChildExited', 'unavailable'],
    ['org.freedesktop.machine1.NoSuchMachine', 'not_found'],
    ['org.freedesktop.systemd1.NoSuchUnit', 'not_found'],
    ['org.freedesktop.DBus.Error.NoReply', 'unavailable'],
    ['org.freedesktop.PolicyKit1.Error.NotAuthorized', 'permission_denied'],
  ])('maps the D-Bus error %s to %s in one place', async (dbusName, code) => {
    const { h } = spyHandlers();
    h['machines.terminate'] = async () => { throw Object.assign(new Error('x'), { dbusName }); };
    expect(await new Dispatcher(h).dispatch('machines.terminate', { name: 'web' })).toMatchObject({ ok: false, error: { code } });
  });
});
