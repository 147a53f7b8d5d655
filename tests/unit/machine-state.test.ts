import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyMachineDelta, compareMachines, compareNames, filterMachines, formatUptime, mapMachineState, toggleTerm, type Machine } from '../../shared/machine';

describe('mapMachineState', () => {
  it.each([
    [{}, 'stopped'],
    [{ activeState: 'inactive' }, 'stopped'],
    [{ activeState: 'failed' }, 'failed'],
    [{ activeState: 'activating' }, 'starting'],
    [{ activeState: 'deactivating', machined: 'running' }, 'stopping'],
    [{ activeState: 'active', machined: 'running' }, 'running'],
    [{ activeState: 'active' }, 'starting'], // unit up, machine not registered yet
    [{ activeState: 'active', machined: 'opening' }, 'starting'],
    [{ activeState: 'active', machined: 'closing' }, 'stopping'],
    [{ machined: 'running' }, 'running'], // started outside systemd (plain systemd-nspawn)
    [{ activeState: 'inactive', jobType: 'start' }, 'starting'],
    [{ activeState: 'active', machined: 'running', jobType: 'stop' }, 'stopping'],
    [{ activeState: 'active', machined: 'running', jobType: 'restart' }, 'starting'],
    [{ activeState: 'failed', machined: 'running' }, 'running'],
  ] as const)('%j → %s', (facts, want) => {
    expect(mapMachineState(facts)).toBe(want);
  });
});

const m = (name: string, extra: Partial<Machine> = {}): Machine => ({
  name, state: 'stopped', unit: `systemd-nspawn@${name}.service`, autostart: false, addresses: [],
  sources: { machined: false, unit: false, image: false }, ...extra,
});

describe('list helpers', () => {
  it('sorts names naturally and by state with name as tie-break', () => {
    const ms = [m('web10'), m('web2', { state: 'running' }), m('db', { state: 'running' })];
    expect([...ms].sort((a, b) => compareMachines(a, b, 'name')).map((x) => x.name)).toEqual(['db', 'web2', 'web10']);
    expect([...ms].sort((a, b) => compareMachines(a, b, 'state')).map((x) => x.name)).toEqual(['db', 'web2', 'web10']);
  });

  it('filters by name, state, OS and address', () => {
    const ms = [m('web', { addresses: ['10.0.0.5'], os: 'Debian GNU/Linux 12' }), m('db', { state: 'running' })];
    expect(filterMachines(ms, 'WE').map((x) => x.name)).toEqual(['web']);
    expect(filterMachines(ms, 'running').map((x) => x.name)).toEqual(['db']);
    expect(filterMachines(ms, '10.0.0').map((x) => x.name)).toEqual(['web']);
    expect(filterMachines(ms, 'debian').map((x) => x.name)).toEqual(['web']);
    expect(filterMachines(ms, '  ')).toHaveLength(2);
  });

  it('formats uptime compactly', () => {
    expect(formatUptime(undefined, 0)).toBe('');
    expect(formatUptime(0, 42_000)).toBe('42s');
    expect(formatUptime(0, 3_723_000)).toBe('1h 2m');
    expect(formatUptime(0, 90_061_000)).toBe('1d 1h');
  });
});

describe('the machine list filter', () => {
  const m = (name: string, state: Machine['state'], autostart: boolean | undefined, addresses: string[] = []) =>
    ({ name, state, autostart, addresses, os: 'Debian GNU/Linux 12' } as unknown as Machine);
  const list = [m('web', 'running', true, ['10.0.0.2']), m('db', 'failed', false), m('build', 'stopped', undefined)];
  const names = (q: string, host?: string) => filterMachines(list, q, host).map((x) => x.name);

  it('state: terms select any of their states; autostart: reads yes, no or unknown', () => {
    expect(names('state:running state:failed')).toEqual(['web', 'db']);
    expect(names('autostart:yes')).toEqual(['web']);
    expect(names('autostart:no')).toEqual(['db']);
    expect(names('autostart:unknown')).toEqual(['build']);
    expect(names('state:running 10.0.0')).toEqual(['web']);
    expect(names('debian')).toEqual(['web', 'db', 'build']);
  });

  it('host: keeps the list only on a host whose name contains it', () => {
    expect(names('host:local', 'local')).toHaveLength(3);
    expect(names('host:other', 'local')).toEqual([]);
  });

  it('quick filters add a term and take it out again', () => {
    expect(toggleTerm('web', 'state:running')).toBe('web state:running');
    expect(toggleTerm('web state:running', 'state:running')).toBe('web');
  });
});

describe('machine deltas', () => {
  const m = (name: string, state: Machine['state']) => ({ name, state } as unknown as Machine);
  it('adds in name order (numbers as numbers), replaces and removes', () => {
    const list = [m('a2', 'running'), m('a10', 'stopped'), m('b', 'running')];
    const out = applyMachineDelta(list, { upsert: [m('a3', 'starting'), m('b', 'stopping')], remove: ['a10'] });
    expect(out.map((x) => `${x.name}:${x.state}`)).toEqual(['a2:running', 'a3:starting', 'b:stopping']);
    expect(list.map((x) => x.name)).toEqual(['a2', 'a10', 'b']);
  });
  it('puts a few or many new rows where a full sort would, whatever the list', () => {
    const name = fc.stringMatching(/^[a-c]{1,2}[0-9]{0,3}$/);
    fc.assert(fc.property(fc.uniqueArray(name, { maxLength: 60 }), fc.uniqueArray(name, { maxLength: 40 }), (have, add) => {
      const list = [...have].sort(compareNames).map((n) => m(n, 'stopped'));
      const out = applyMachineDelta(list, { upsert: add.map((n) => m(n, 'running')), remove: [] });
      const want = [...new Set([...have, ...add])].sort(compareNames);
      expect(out.map((x) => x.name)).toEqual(want);
      expect(out.filter((x) => x.state === 'running').map((x) => x.name).sort()).toEqual([...add].sort());
    }));
  });
  it('replaces, removes and adds as a map of the rows would, few changes or many, and stays in order', () => {
    const name = fc.stringMatching(/^[a-c]{1,2}[0-9]{0,3}$/);
    fc.assert(fc.property(fc.uniqueArray(name, { maxLength: 120 }), fc.uniqueArray(name, { maxLength: 80 }), fc.uniqueArray(name, { maxLength: 20 }), (have, up, gone) => {
      const list = [...have].sort(compareNames).map((n) => m(n, 'stopped'));
      const out = applyMachineDelta(list, { upsert: up.map((n) => m(n, 'running')), remove: gone });
      const want = new Map(have.map((n) => [n, 'stopped']));
      for (const n of gone) want.delete(n);
      for (const n of up) want.set(n, 'running');
      expect(new Map(out.map((x) => [x.name, x.state]))).toEqual(want);
      expect(out).toHaveLength(want.size);
      for (let i = 1; i < out.length; i++) expect(compareNames(out[i - 1].name, out[i].name)).toBeLessThanOrEqual(0);
    }), { numRuns: 300 });
  });
});
