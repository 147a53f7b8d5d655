// Resource samples for the machines on screen, every few seconds while they are shown.
// History lives outside React so graphs keep their past across re-renders.
import { useQuery } from '@tanstack/react-query';
import type { MachineMetrics } from '../../../shared/contract';
import { formatBytes as bytesText } from '../../../shared/images';
import { useHost } from '../transport/context';

const HISTORY = 90;
/** Per host and machine: two hosts may each have a machine called "web". */
const history = new Map<string, MachineMetrics[]>();
const keyOf = (host: string, name: string) => `${host}\0${name}`;

function record(host: string, samples: MachineMetrics[]): void {
  for (const s of samples) {
    const h = history.get(keyOf(host, s.name)) ?? [];
    if (h.length && h[h.length - 1].at === s.at) continue;
    h.push(s);
    if (h.length > HISTORY) h.shift();
    history.set(keyOf(host, s.name), h);
  }
}

export function historyOf(host: string, name: string): readonly MachineMetrics[] {
  return history.get(keyOf(host, name)) ?? [];
}

export interface Derived {
  cpuPercent?: number;
  memoryBytes?: number;
  tasks?: number;
  source: MachineMetrics['source'];
}

/** CPU % of one core between two samples. */
export function cpuPercent(a: MachineMetrics, b: MachineMetrics): number | undefined {
  if (a.cpuNs === undefined || b.cpuNs === undefined || b.at <= a.at) return undefined;
  return Math.max(0, ((b.cpuNs - a.cpuNs) / ((b.at - a.at) * 1e6)) * 100);
}

export function derived(host: string, name: string): Derived | undefined {
  const h = history.get(keyOf(host, name));
  if (!h?.length) return undefined;
  const last = h[h.length - 1];
  return { cpuPercent: h.length > 1 ? cpuPercent(h[h.length - 2], last) : undefined, memoryBytes: last.memoryBytes, tasks: last.tasks, source: last.source };
}

export function useMetrics(names: string[], intervalMs = 2000) {
  const client = useHost();
  const key = [...names].sort().join(',');
  return useQuery({
    queryKey: [client.id, 'metrics', key],
    queryFn: async () => {
      const r = await client.call('machines.metrics', { names });
      record(client.id, r);
      return r;
    },
    enabled: names.length > 0,
    refetchInterval: intervalMs,
    refetchIntervalInBackground: false,
    staleTime: 0,
  });
}

/** Bytes as the images view says them; a dash where a machine has no such figure (stopped). */
export function formatBytes(n: number | undefined): string {
  return n === undefined ? '—' : bytesText(n);
}
