// The header's Hosts button and drawer: Add host, and every host the hub manages with its state
// (connected, or why not), its access and how many machines run, and Show / Retry now / Remove.
import { useState } from 'react';
import { Badge, Button, Drawer, Group, Stack, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { formatBytes } from '../../../shared/images';
import type { HostEntry, HostProblem } from '../../../shared/contract';
import { HostProvider, useClient, useHost } from '../transport/context';
import { useHostStatus, useMachines } from '../machines/hooks';
import { AddHostButton, RemoveHostButton } from './HostControls';

const PROBLEM_WORDS: Record<HostProblem, string> = {
  host_key_changed: 'host key mismatch', host_key_unknown: 'host key unknown', auth_failed: 'login refused',
  unreachable: 'unreachable', node_missing: 'node missing', sudo_refused: 'sudo refused',
};

export function HostsButton({ hosts, shown, onShow }: { hosts: HostEntry[]; shown: string; onShow(id: string): void }) {
  const client = useClient();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="xs" variant="default" onClick={() => setOpen(true)} aria-haspopup="dialog">Hosts</Button>
      <Drawer opened={open} onClose={() => setOpen(false)} position="right" title="Hosts" closeButtonProps={{ 'aria-label': 'Close hosts' }}>
        <AddHostButton onAdded={(id) => { onShow(id); setOpen(false); }} />
        <Stack gap="sm" role="list" aria-label="Hosts" mt="sm">
          {hosts.map((h) => (
            <HostProvider key={h.id} host={client.host(h.id)}>
              <HostRow entry={h} shown={h.id === shown} onShow={() => { onShow(h.id); setOpen(false); }} />
            </HostProvider>
          ))}
        </Stack>
      </Drawer>
    </>
  );
}

/** The host's services and the space for machines (read when the drawer shows it). */
function HostOverviewLine({ label }: { label: string }) {
  const client = useHost();
  const q = useQuery({ queryKey: [client.id, 'overview'], queryFn: () => client.call('host.overview', {}), staleTime: 10_000 });
  if (q.error) return <Text fz="xs">Overview unknown: {(q.error as Error).message}</Text>;
  if (!q.data) return <Text fz="xs" c="dimmed">Reading the overview…</Text>;
  const { services, disk, poolUsageBytes, poolLimitBytes } = q.data;
  return (
    <Stack gap={0} role="group" aria-label={`Overview of ${label}`}>
      <Text fz="xs">{services.map((s) => `${s.unit.replace(/^systemd-|\.service$/g, '')}: ${s.state}`).join(' · ')}</Text>
      <Text fz="xs">
        {disk ? `${disk.path}: ${formatBytes(disk.freeBytes)} free of ${formatBytes(disk.sizeBytes)}` : '/var/lib/machines: size unknown'}
        {poolUsageBytes !== undefined ? ` · images use ${formatBytes(poolUsageBytes)}` : ''}
        {poolLimitBytes !== undefined ? ` (limit ${formatBytes(poolLimitBytes)})` : ''}
      </Text>
    </Stack>
  );
}

function HostRow({ entry, shown, onShow }: { entry: HostEntry; shown: boolean; onShow(): void }) {
  const client = useHost();
  const { host } = useHostStatus();
  const machines = useMachines();
  const retry = useMutation({ mutationFn: () => client.hub('hub.reconnect') });
  const connected = !!host?.connected;
  const running = machines.data?.filter((m) => m.state === 'running').length;
  const state = !host ? 'connecting' : connected ? 'connected' : host.problem ? PROBLEM_WORDS[host.problem] : host.kind === 'ssh' ? 'disconnected' : 'bus disconnected';
  return (
    <Stack gap={4} role="listitem" aria-label={entry.label} p="xs" style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 6 }}>
      <Group justify="space-between" wrap="nowrap">
        <Text fw={600} fz="sm">{entry.label}{shown ? ' (shown)' : ''}</Text>
        <Badge color={connected ? 'green' : 'red'} variant="light" role="group" aria-label={`State: ${state}`}>{state}</Badge>
      </Group>
      <Text fz="xs">
        {entry.kind === 'ssh' ? (entry.nixNode ? 'SSH, node from Nix if missing' : 'SSH') : entry.kind === 'sandbox' ? 'sandbox' : 'this machine'}
        {' · '}{host?.access === 'admin' ? 'administrative access' : host?.access === 'limited' ? 'limited access' : 'access unknown'}
        {' · '}{machines.data ? `${running} of ${machines.data.length} machines running` : 'machines unknown'}
      </Text>
      {host && !connected && host.error && <Text fz="xs" c="red.8">{host.error}</Text>}
      {connected && <HostOverviewLine label={entry.label} />}
      <Group gap="xs">
        {!shown && <Button size="compact-xs" variant="light" onClick={onShow} aria-label={`Show ${entry.label}`}>Show</Button>}
        {host && !connected && (
          <Button size="compact-xs" variant="default" loading={retry.isPending} onClick={() => retry.mutate()} aria-label={`Retry ${entry.label} now`}>Retry now</Button>
        )}
        {entry.removable && <RemoveHostButton label={entry.label} compact />}
      </Group>
      {retry.error && <Text fz="xs" role="alert">{(retry.error as Error).message}</Text>}
    </Stack>
  );
}
