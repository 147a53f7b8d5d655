// Every host's machines in one list: a Host column, a filter that also takes `host:NAME` and
// `state:STATE` terms, and Start / Stop / Shell / Details on each row through its own host.
import { useEffect, useMemo, useState } from 'react';
import { Alert, Badge, Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useQueries, useQueryClient } from '@tanstack/react-query';
import type { HostEntry } from '../../../shared/contract';
import { followMachines, machinesQuery } from '../machines/machine-feed';
import { STATE_COLORS } from '../machines/MachineTable';
import { useClient } from '../transport/context';
import { filterRows, type Row } from './all-hosts-filter';

/** Rows drawn at most: beyond that a filter narrows the list (each host's own view scrolls all). */
const MAX_ROWS = 500;

export function AllHostsPanel({ hosts, onOpenShell, onDetails }: {
  hosts: HostEntry[]; onOpenShell(host: string, name: string): void; onDetails(host: string, name: string): void;
}) {
  const client = useClient();
  const qc = useQueryClient();
  const [filter, setFilter] = useState('');
  const [confirm, setConfirm] = useState<Row | null>(null);
  const [failures, setFailures] = useState<string[]>([]);
  // The same per-host feed the host view reads (one subscription per host, however many read it).
  const hostIds = hosts.map((h) => h.id).join('\n');
  useEffect(() => {
    const offs = hostIds.split('\n').filter(Boolean).map((id) => followMachines(client.host(id), qc));
    return () => offs.forEach((off) => off());
  }, [client, qc, hostIds]);
  const results = useQueries({
    queries: hosts.map((h) => ({ ...machinesQuery(client.host(h.id)), retry: false })),
  });
  const rows = useMemo(() => hosts.flatMap((host, i) => (results[i]?.data ?? []).map((m) => ({ host, m }))), [hosts, results]);
  const shown = useMemo(() => filterRows(rows, filter), [rows, filter]);
  const act = (r: Row, action: 'start' | 'stop') => {
    client.call(r.host.id, action === 'start' ? 'machines.start' : 'machines.stop', { name: r.m.name })
      .catch((e: Error) => setFailures((f) => [...f.slice(-4), `${action === 'start' ? 'Start' : 'Stop'} ${r.m.name} on ${r.host.label} failed: ${e.message}`]));
  };
  return (
    <Stack gap="xs" p="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Group justify="space-between">
        <TextInput aria-label="Filter machines of all hosts" placeholder="Filter: name, state, OS, address; host:NAME state:running" value={filter}
          onChange={(e) => setFilter(e.currentTarget.value)} w={420} />
        <Text fz="sm" aria-live="polite">{shown.length} of {rows.length} machines on {hosts.length} hosts</Text>
      </Group>
      {hosts.map((h, i) => results[i]?.error && (
        <Alert key={h.id} color="yellow" role="alert" title={`Machines of ${h.label} unknown`} p="xs">{(results[i].error as Error).message}</Alert>
      ))}
      {failures.map((f) => <Alert key={f} color="red" role="alert" p="xs">{f}</Alert>)}
      <table className="nsd-table" aria-label="Machines of all hosts">
        <thead><tr><th>Host</th><th>Name</th><th>State</th><th>Addresses</th><th>Actions</th></tr></thead>
        <tbody>
          {shown.slice(0, MAX_ROWS).map((r) => (
            <tr key={`${r.host.id}/${r.m.name}`}>
              <td>{r.host.label}</td>
              <td><Button variant="subtle" size="compact-sm" aria-label={`Details of ${r.m.name} on ${r.host.label}`} onClick={() => onDetails(r.host.id, r.m.name)}>{r.m.name}</Button></td>
              <td><Badge color={STATE_COLORS[r.m.state]} variant="light">{r.m.state}</Badge></td>
              <td title={r.m.addresses.join(', ')}>{r.m.addresses.join(', ')}</td>
              <td>
                <Group gap={6} wrap="nowrap">
                  {r.m.state === 'running'
                    ? <Button size="compact-sm" variant="light" color="orange" aria-label={`Stop ${r.m.name} on ${r.host.label}`} onClick={() => setConfirm(r)}>Stop</Button>
                    : <Button size="compact-sm" variant="light" color="green" aria-label={`Start ${r.m.name} on ${r.host.label}`} disabled={r.m.state !== 'stopped' && r.m.state !== 'failed'} onClick={() => act(r, 'start')}>Start</Button>}
                  <Button size="compact-sm" variant="default" aria-label={`Open shell on ${r.m.name} on ${r.host.label}`} disabled={r.m.state !== 'running'} onClick={() => onOpenShell(r.host.id, r.m.name)}>Shell</Button>
                </Group>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length > MAX_ROWS && <Text fz="sm">Showing {MAX_ROWS} of {shown.length}: filter to narrow, or pick one host to scroll all of its machines.</Text>}
      <Modal opened={!!confirm} onClose={() => setConfirm(null)} title={confirm ? `Stop ${confirm.m.name} on ${confirm.host.label}?` : ''} closeButtonProps={{ 'aria-label': 'Close' }}>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setConfirm(null)}>Cancel</Button>
          <Button color="red" onClick={() => { if (confirm) act(confirm, 'stop'); setConfirm(null); }}>Stop</Button>
        </Group>
      </Modal>
    </Stack>
  );
}
