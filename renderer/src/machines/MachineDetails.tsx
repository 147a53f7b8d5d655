// One machine: overview (status, OS, .nspawn settings), resources, journal, network.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Alert, Badge, Button, Code, CopyButton, Group, List, Modal, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { formatUptime, type Machine } from '../../../shared/machine';
import type { MachineDetails as Details } from '../../../shared/contract';
import { NetworkPanel } from '../network/NetworkPanel';
import { SettingsPanel } from '../settings/SettingsPanel';
import { ResourcesPanel } from '../details/ResourcesPanel';
import { JournalPanel } from '../details/JournalPanel';
import { useHost } from '../transport/context';
import { STATE_COLORS } from './MachineTable';
import { useHostStatus } from './hooks';

// The settings users ask about first; everything else in the file is listed below them.
const KEY_SETTINGS = ['Boot', 'Ephemeral', 'PrivateUsers', 'Bind', 'BindReadOnly', 'Zone', 'VirtualEthernet', 'Private', 'Parameters'];

function Overview({ m }: { m: Machine }) {
  const client = useHost();
  const d = useQuery({ queryKey: [client.id, 'details', m.name, m.state, m.leader], queryFn: () => client.call('machines.details', { name: m.name }) });
  const os = d.data?.osRelease;
  const settings = d.data?.nspawn.settings ?? [];
  const sorted = [...settings].sort((a, b) => {
    const ia = KEY_SETTINGS.indexOf(a.key);
    const ib = KEY_SETTINGS.indexOf(b.key);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  const rows: [string, string][] = [
    ['State', m.state + (m.job ? ` (job: ${m.job})` : '') + (m.failure ? ` (result: ${m.failure})` : '')],
    ['Unit status', unitStatus(d.data?.unit, d.isPending ? 'reading…' : d.isError ? 'unknown (not read)' : 'not loaded')],
    ['Operating system', os?.PRETTY_NAME ?? m.os ?? '—'],
    ['Root directory', d.data?.rootDirectory ?? '—'],
    ['Addresses', m.addresses.join(', ') || '—'],
    ['Unit', m.unit],
    ['Autostart', m.autostart === undefined ? 'unknown (systemd could not say)' : m.autostart ? 'enabled (machines.target)' : 'disabled'],
    ['Up since', m.since && m.state === 'running' ? `${new Date(m.since).toLocaleString()} (${formatUptime(m.since, Date.now())})` : '—'],
    ['Leader PID', m.leader ? String(m.leader) : '—'],
    ['Declared by', m.sources.nspawnFile ?? (m.sources.image ? 'image in /var/lib/machines' : m.sources.unit ? 'unit only' : 'registered with machined only')],
  ];
  return (
    <Stack gap="md">
      <Table aria-label={`Overview of ${m.name}`} withRowBorders={false} maw={900}>
        <Table.Tbody>
          {rows.map(([k, v]) => (
            <Table.Tr key={k}><Table.Th w={200}>{k}</Table.Th><Table.Td>{v}</Table.Td></Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <ShellCommand name={m.name} />
      <Stack gap={4}>
        <Title order={3} fz="md">Container settings (read-only)</Title>
        <NspawnSource d={d.data} pending={d.isPending} error={d.error} />
        {sorted.length > 0 && (
          <Table aria-label={`Settings of ${m.name}`} maw={900} striped>
            <Table.Thead><Table.Tr><Table.Th>Section</Table.Th><Table.Th>Setting</Table.Th><Table.Th>Value</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {sorted.map((s, i) => (
                <Table.Tr key={`${s.section}.${s.key}.${i}`}><Table.Td>{s.section}</Table.Td><Table.Td>{s.key}</Table.Td><Table.Td>
                  <Code style={{ overflowWrap: 'anywhere' }}>{s.value}</Code>
                  {s.omitted && <Text span fz="xs" c="dimmed"> … {s.omitted.toLocaleString()} more characters not shown</Text>}
                </Table.Td></Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Stack>
  );
}


function unitStatus(u: Details['unit'] | undefined, otherwise: string): string {
  if (!u?.activeState) return otherwise;
  return `${u.activeState} (${u.subState})${u.since ? ` since ${new Date(u.since).toLocaleString()}` : ''}`;
}

/** The command line that opens the same shell from a terminal of one's own (over SSH for a remote host). */
function ShellCommand({ name }: { name: string }) {
  const { host } = useHostStatus();
  const local = `machinectl shell root@${name}`;
  const line = host?.kind === 'ssh' ? `ssh -t ${host.label} sudo ${local}` : host?.kind === 'sandbox' ? local : `sudo ${local}`;
  return (
    <Group gap="xs" role="group" aria-label="Shell command line">
      <Text fz="sm">{host?.kind === 'sandbox' ? 'In the test host\'s terminal:' : 'From a terminal:'}</Text>
      <Code>{line}</Code>
      <CopyButton value={line}>
        {({ copied, copy }) => <Button size="compact-xs" variant="default" onClick={copy}>{copied ? 'Copied' : 'Copy command'}</Button>}
      </CopyButton>
    </Group>
  );
}

/** Where the settings come from, or why they are not shown: never "no file" before it is known. */
function NspawnSource({ d, pending, error }: { d: Details | undefined; pending: boolean; error: Error | null }) {
  if (pending) return <Text fz="xs" c="dimmed">Reading the .nspawn file…</Text>;
  if (!d) return <Alert color="red" title="Details not read">{error?.message ?? 'unknown error'}</Alert>;
  const n = d.nspawn;
  if (!n.file) return <Text fz="xs" c="dimmed">No .nspawn file: systemd-nspawn@.service defaults apply.</Text>;
  return (
    <Stack gap={4}>
      <Text fz="xs" c="dimmed">From {n.file}</Text>
      {n.error && <Alert color="red" title={`${n.file} cannot be read`}>{n.error}</Alert>}
      {n.problems && (
        <Alert color="yellow" title={`${n.problems.length} line${n.problems.length > 1 ? 's' : ''} of ${n.file} are not valid settings`}>
          <List size="sm">{n.problems.map((p) => <List.Item key={p}>{p}</List.Item>)}</List>
        </Alert>
      )}
    </Stack>
  );
}

/** Edits not yet applied in the Network or Settings tab; leaving asks first. */
function useUnsavedGuard() {
  const [dirty, setDirty] = useState<Record<string, boolean>>({});
  const [pending, setPending] = useState<(() => void) | null>(null);
  const any = Object.values(dirty).some(Boolean);
  const report = useMemo(() => ({
    network: (d: boolean) => setDirty((x) => (x.network === d ? x : { ...x, network: d })),
    settings: (d: boolean) => setDirty((x) => (x.settings === d ? x : { ...x, settings: d })),
  }), []);
  useEffect(() => {
    if (!any) return undefined;
    // A reload or a closed window would lose them too.
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [any]);
  const guard = (go: () => void) => (any ? setPending(() => go) : go());
  const modal = (
    <Modal opened={!!pending} onClose={() => setPending(null)} title="Discard unsaved changes?" centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <Text fz="sm">The {Object.keys(dirty).filter((k) => dirty[k]).join(' and ')} changes on this machine are not applied. Leaving discards them.</Text>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={() => setPending(null)} data-autofocus>Stay</Button>
        <Button color="red" onClick={() => { const go = pending; setPending(null); setDirty({}); go?.(); }}>Discard changes</Button>
      </Group>
    </Modal>
  );
  return { report, guard, modal };
}

export function MachineDetails({ machine, onBack }: { machine: Machine | undefined; name: string; onBack(): void }) {
  const [tab, setTab] = useState<string>('overview');
  const { report, guard, modal } = useUnsavedGuard();
  if (!machine) {
    return (
      <Stack p="md">
        <Text>This machine is gone.</Text>
        <Button onClick={onBack} w={160}>Back to machines</Button>
      </Stack>
    );
  }
  return (
    <Stack gap={0} style={{ flex: 1, minHeight: 0 }}>
      <Group p="sm" gap="sm">
        {modal}
        <Button variant="default" size="xs" onClick={() => guard(onBack)}>Back to machines</Button>
        <Title order={2} fz="lg">{machine.name}</Title>
        <Badge variant="light" color={STATE_COLORS[machine.state]}>{machine.state}</Badge>
      </Group>
      <Tabs value={tab} onChange={(t) => t && t !== tab && guard(() => setTab(t))} keepMounted={false} style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0 }}>
        <Tabs.List aria-label={`Sections of ${machine.name}`} px="sm">
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="resources">Resources</Tabs.Tab>
          <Tabs.Tab value="journal">Journal</Tabs.Tab>
          <Tabs.Tab value="network">Network</Tabs.Tab>
          <Tabs.Tab value="settings">Settings</Tabs.Tab>
        </Tabs.List>
        {/* Scrollable panels take focus, so the keyboard can scroll them (WCAG 2.1.1). */}
        <Tabs.Panel value="overview" p="sm" style={{ overflow: 'auto' }} tabIndex={0}><Overview m={machine} /></Tabs.Panel>
        <Tabs.Panel value="resources"><ResourcesPanel name={machine.name} running={machine.state === 'running'} /></Tabs.Panel>
        <Tabs.Panel value="journal" style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0 }}><JournalPanel name={machine.name} running={machine.state === 'running'} /></Tabs.Panel>
        <Tabs.Panel value="network" style={{ flex: 1, minHeight: 0, overflow: 'auto' }} tabIndex={0}><NetworkPanel name={machine.name} onDirty={report.network} /></Tabs.Panel>
        <Tabs.Panel value="settings" style={{ flex: 1, minHeight: 0, overflow: 'auto' }} tabIndex={0}><SettingsPanel name={machine.name} running={machine.state === 'running'} onDirty={report.settings} /></Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
