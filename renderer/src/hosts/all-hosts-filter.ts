// The all-hosts list's rows and its filter: `host:` and `state:` terms, and the rest as the
// single-host filter reads it.
import type { HostEntry } from '../../../shared/contract';
import { filterMachines, type Machine } from '../../../shared/machine';

export interface Row { host: HostEntry; m: Machine }

export function filterRows(rows: Row[], query: string): Row[] {
  const terms = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const hostTerms = terms.filter((t) => t.startsWith('host:')).map((t) => t.slice(5));
  const stateTerms = terms.filter((t) => t.startsWith('state:')).map((t) => t.slice(6));
  const rest = terms.filter((t) => !t.startsWith('host:') && !t.startsWith('state:')).join(' ');
  return rows.filter(({ host, m }) =>
    hostTerms.every((h) => host.label.toLowerCase().includes(h) || host.id.includes(h))
    && (!stateTerms.length || stateTerms.includes(m.state))
    && (!rest || filterMachines([m], rest).length === 1));
}
