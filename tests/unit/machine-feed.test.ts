// The renderer's per-host machine feed: however many views read a host's list (the host view,
// the hosts drawer, the all-hosts list), each list event is applied to the cache once, and only
// to its own host's entry.
import { describe, expect, it } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import { Client } from '../../renderer/src/transport/client';
import type { Transport } from '../../renderer/src/transport/transport';
import type { ServerFrame } from '../../shared/contract';
import type { Machine } from '../../shared/machine';
import { followMachines, machinesKey } from '../../renderer/src/machines/machine-feed';

/** Frames in from the hub, as the WebSocket worker hands them over. */
function linkedClient() {
  const frameFns: ((f: ServerFrame) => void)[] = [];
  const transport: Transport = { send: () => undefined, onFrame: (fn) => void frameFns.push(fn), onLink: () => undefined };
  const client = new Client(transport);
  const emit = (host: string, name: 'machines.delta' | 'machines.changed', payload: unknown) => frameFns.forEach((fn) => fn({ t: 'evt', host, name, payload }));
  return { client, emit };
}

const machine = (name: string, state: Machine['state'] = 'running'): Machine =>
  ({ name, state, unit: `systemd-nspawn@${name}.service`, addresses: [], sources: { machined: true, unit: true, image: true } });

/** How many times the cache entry of `host`'s machines was written. */
function countWrites(qc: QueryClient, host: string): () => number {
  let n = 0;
  qc.getQueryCache().subscribe((e) => {
    if (e.type === 'updated' && e.action.type === 'success' && e.query.queryKey[0] === host) n++;
  });
  return () => n;
}

describe('followMachines', () => {
  it('applies each delta once however many views follow the host, and only to that host', () => {
    const { client, emit } = linkedClient();
    const qc = new QueryClient();
    qc.setQueryData(machinesKey('a'), [machine('alpha')]);
    qc.setQueryData(machinesKey('b'), [machine('beta')]);
    const writesA = countWrites(qc, 'a');
    const writesB = countWrites(qc, 'b');
    // The host view, its select reader and the all-hosts list each follow host a.
    const offs = [followMachines(client.host('a'), qc), followMachines(client.host('a'), qc), followMachines(client.host('a'), qc)];
    emit('a', 'machines.delta', { upsert: [machine('gamma')], remove: [] });
    expect(writesA()).toBe(1);
    expect(writesB()).toBe(0);
    expect(qc.getQueryData<Machine[]>(machinesKey('a'))!.map((m) => m.name)).toEqual(['alpha', 'gamma']);
    expect(qc.getQueryData<Machine[]>(machinesKey('b'))!.map((m) => m.name)).toEqual(['beta']);
    offs.forEach((off) => off());
  });

  it('keeps following while one view is still open, and stops when the last closes', () => {
    const { client, emit } = linkedClient();
    const qc = new QueryClient();
    qc.setQueryData(machinesKey('a'), [machine('alpha')]);
    const first = followMachines(client.host('a'), qc);
    const second = followMachines(client.host('a'), qc);
    first();
    first(); // closing the same view twice must not close the other's
    emit('a', 'machines.delta', { upsert: [machine('alpha', 'stopped')], remove: [] });
    expect(qc.getQueryData<Machine[]>(machinesKey('a'))![0]!.state).toBe('stopped');
    second();
    emit('a', 'machines.changed', [machine('alpha'), machine('zeta')]);
    expect(qc.getQueryData<Machine[]>(machinesKey('a'))!.map((m) => m.name)).toEqual(['alpha']);
  });

  it('leaves a host whose list is not known yet alone until the list is read', () => {
    const { client, emit } = linkedClient();
    const qc = new QueryClient();
    const off = followMachines(client.host('a'), qc);
    emit('a', 'machines.delta', { upsert: [machine('gamma')], remove: [] });
    expect(qc.getQueryData(machinesKey('a'))).toBeUndefined();
    off();
  });
});
