// Runs in the renderer: the list of a host's machines kept in react-query's cache from its events.
import type { QueryClient } from '@tanstack/react-query';
import { applyMachineDelta, type Machine } from '../../../shared/machine';
import type { HostClient } from '../transport/client';

/** Query keys start with the host: two hosts' machines never share a cache entry. */
export const machinesKey = (host: string) => [host, 'machines'] as const;

/**
 * Actions asked for in this window that the backend's list does not show yet: the row says
 * "stopping" the moment Stop is confirmed, until the list moves on from the state it had (or 10 s).
 */
export const pendingStates = new Map<string, { state: Machine['state']; from: Machine['state']; until: number }>();

export function withPending(host: string, list: Machine[]): Machine[] {
  if (!pendingStates.size) return list;
  const now = Date.now();
  return list.map((m) => {
    const key = `${host}\0${m.name}`;
    const p = pendingStates.get(key);
    if (!p) return m;
    if (m.state !== p.from || now > p.until) {
      pendingStates.delete(key);
      return m;
    }
    return { ...m, state: p.state };
  });
}

/**
 * One subscription to a host's list events however many components read the list (the app,
 * the machines view, the hosts drawer, the all-hosts list): each had its own, and every change
 * was applied and drawn once per reader. Keyed by the host's client, which `Client.host(id)`
 * keeps one of per host id.
 */
const feeds = new WeakMap<HostClient, { readers: number; off(): void }>();

export function followMachines(client: HostClient, qc: QueryClient): () => void {
  const feed = feeds.get(client);
  if (feed) feed.readers++;
  else {
    const offChanged = client.on('machines.changed', (list) => qc.setQueryData(machinesKey(client.id), withPending(client.id, list)));
    // A delta before the first list has nothing to apply to: that list is asked for anyway.
    const offDelta = client.on('machines.delta', (d) => qc.setQueryData<Machine[]>(machinesKey(client.id), (list) => list && withPending(client.id, applyMachineDelta(list, d))));
    const offLink = client.onLink((up) => {
      if (up) void qc.invalidateQueries({ queryKey: [client.id] });
    });
    feeds.set(client, { readers: 1, off: () => { offChanged(); offDelta(); offLink(); } });
  }
  let left = false;
  return () => {
    // A second call would take another reader's place.
    if (left) return;
    left = true;
    const f = feeds.get(client)!;
    if (--f.readers > 0) return;
    f.off();
    feeds.delete(client);
  };
}

/** The list as a query: no structural sharing, as deltas already keep unchanged rows and a deep
 * compare of 10,000 rows on every change cost more than drawing it. */
export function machinesQuery(client: HostClient) {
  return { queryKey: machinesKey(client.id), queryFn: async () => withPending(client.id, await client.call('machines.list', {})), staleTime: Infinity, structuralSharing: false };
}
