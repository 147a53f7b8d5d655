// The all-hosts list's filter: host: and state: terms narrow by host and state, the rest reads as
// the single-host filter does.
import { describe, expect, it } from 'vitest';
import { filterRows } from '../../renderer/src/hosts/all-hosts-filter';
import type { HostEntry } from '../../shared/contract';
import type { Machine } from '../../shared/machine';

const host = (id: string, label: string): HostEntry => ({ id, label, kind: 'ssh', canUnlock: false, unlocked: false });
const machine = (name: string, state: Machine['state'], addresses: string[] = []) => ({ name, state, addresses } as unknown as Machine);
const a = host('ssh-root-a', 'root@a');
const b = host('sandbox-b', 'sandbox b');
const rows = [
  { host: a, m: machine('web', 'running', ['10.0.0.2']) }, { host: a, m: machine('db', 'stopped') },
  { host: b, m: machine('web', 'failed') }, { host: b, m: machine('build', 'running', ['10.0.1.5']) },
];
const names = (q: string) => filterRows(rows, q).map((r) => `${r.host.id}/${r.m.name}`);

describe('filterRows', () => {
  it('narrows by host, state and text together', () => {
    expect(names('')).toHaveLength(4);
    expect(names('host:root@a')).toEqual(['ssh-root-a/web', 'ssh-root-a/db']);
    expect(names('host:sandbox state:running')).toEqual(['sandbox-b/build']);
    expect(names('state:failed web')).toEqual(['sandbox-b/web']);
    expect(names('10.0.1')).toEqual(['sandbox-b/build']);
    expect(names('host:nowhere')).toEqual([]);
  });
});
