// One machine: overview and network configuration.
import { Badge, Button, Group, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { formatUptime, type Machine } from '../../../shared/machine';
import { NetworkPanel } from '../network/NetworkPanel';

function Overview({ m }: { m: Machine }) {
  const rows: [string, string][] = [
    ['State', m.state + (m.job ? ` (job: ${m.job})` : '') + (m.failure ? ` (result: ${m.failure})` : '')],
    ['Operating system', m.os ?? '—'],
    ['Addresses', m.addresses.join(', ') || '—'],
    ['Unit', m.unit],
    ['Autostart', m.autostart ? 'enabled (machines.target)' : 'disabled'],
    ['Up since', m.since && m.state === 'running' ? `${new Date(m.since).toLocaleString()} (${formatUptime(m.since, Date.now())})` : '—'],
    ['Leader PID', m.leader ? String(m.leader) : '—'],
    ['Declared by', m.sources.nspawnFile ?? (m.sources.image ? 'image in /var/lib/machines' : m.sources.unit ? 'unit only' : 'registered with machined only')],
  ];
  return (
    <Table aria-label={`Overview of ${m.name}`} withRowBorders={false} maw={900}>
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}><Table.Th w={200}>{k}</Table.Th><Table.Td>{v}</Table.Td></Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function MachineDetails({ machine, onBack }: { machine: Machine | undefined; name: string; onBack(): void }) {
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
        <Button variant="default" size="xs" onClick={onBack}>Back to machines</Button>
        <Title order={2} fz="lg">{machine.name}</Title>
        <Badge variant="light">{machine.state}</Badge>
      </Group>
      <Tabs defaultValue="overview" keepMounted={false} style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0 }}>
        <Tabs.List aria-label={`Sections of ${machine.name}`} px="sm">
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="network">Network</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview" p="sm"><Overview m={machine} /></Tabs.Panel>
        <Tabs.Panel value="network" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}><NetworkPanel name={machine.name} /></Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
