// One end of the veth (host side ve-NAME, or host0 in the container) as a form.
import { Badge, Card, Group, List, Select, Stack, Switch, Text, Textarea, Title } from '@mantine/core';
import type { SideView } from '../../../shared/contract';
import { SIDE_FIELDS, type FieldName, type NetworkForm, type Side } from '../../../shared/network';
import { WARNING_TEXT } from '../ui/theme';

const MODE_LABEL: Record<SideView['mode'], string> = {
  edit: 'edited in place',
  runtime: 'runtime change (until reboot)',
  'etc-copy': 'copy in /etc',
  none: 'read-only',
};

const LABELS: Record<FieldName, string> = {
  addresses: 'addresses', gateways: 'gateways', dns: 'DNS servers', dhcp: 'DHCP client',
  dhcpServer: 'DHCP server', ipMasquerade: 'IP masquerade', linkLocal: 'link-local addressing', mdns: 'multicast DNS',
};

const OPTIONS: Partial<Record<FieldName, string[]>> = {
  dhcp: ['yes', 'no', 'ipv4', 'ipv6'],
  ipMasquerade: ['no', 'yes', 'ipv4', 'ipv6', 'both'],
  linkLocal: ['yes', 'no', 'ipv4', 'ipv6', 'fallback', 'ipv4-fallback'],
  mdns: ['yes', 'no', 'resolve'],
};

/** Errors for a list field, keyed `field.N`, shown as "line N+1: …" under the field. */
function listError(errors: Record<string, string>, field: string): string | undefined {
  const lines = Object.entries(errors).filter(([k]) => k.startsWith(`${field}.`))
    .map(([k, v]) => `line ${Number(k.split('.')[1]) + 1}: ${v}`);
  return lines.length ? lines.join('; ') : undefined;
}

export const toLines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);

/** Where each entry of a list field is set, when that is more than one line of one file. */
function EntrySources({ label, items }: { label: string; items: SideView['items'][string] | undefined }) {
  if (!items?.length) return null;
  const spread = new Set(items.map((i) => `${i.file}|${i.place}`)).size > 1 || items.some((i) => i.place !== 'Network');
  if (!spread) return null;
  return (
    <List size="xs" spacing={0} aria-label={`Where the ${label} are set`}>
      {items.map((i, n) => (
        <List.Item key={`${n}-${i.value}`}><Text span ff="monospace" fz="xs">{i.value}</Text> <Text span fz="xs" c="dimmed">
          in {i.file}{i.place === 'Network' ? '' : ` ([${i.place}] section)`}</Text></List.Item>
      ))}
    </List>
  );
}

export function SideForm({ side, view, draft, text, errors, warnings, addTo, onAddTo, onChange, onText }: {
  side: Side;
  view: SideView;
  draft: NetworkForm;
  /** Raw text of list fields while typing. */
  text: Record<string, string>;
  errors: Record<string, string>;
  /** Field → a warning that does not block applying. */
  warnings: Record<string, string>;
  /** The file new list entries go to. */
  addTo: string | undefined;
  onAddTo(file: string): void;
  onChange(next: NetworkForm): void;
  onText(field: FieldName, value: string): void;
}) {
  const title = side === 'host' ? `Host side (${view.link})` : `Container side (${view.link})`;
  const disabled = !view.available;
  const from = (f: FieldName) => (view.sources[f] ? `from ${view.sources[f]}` : 'not set (networkd default)');
  const listFrom = (f: FieldName) => {
    const files = new Set((view.items[f] ?? []).map((i) => i.file));
    return files.size > 1 ? `from ${files.size} files, listed below` : from(f);
  };
  const who = side === 'host' ? 'Host' : 'Container';
  return (
    <Card withBorder padding="md" style={{ flex: 1, minWidth: 360 }} component="section" aria-label={title}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start">
          <Title order={3} fz="md">{title}</Title>
          <Badge variant="light" color={view.mode === 'edit' ? 'blue' : view.mode === 'none' ? 'gray' : 'yellow'}>{MODE_LABEL[view.mode]}</Badge>
        </Group>
        <Text fz="xs" c="dimmed">
          {view.file ? `File: ${view.file}` : 'No .network file matches this link.'}
          {view.dropins.length ? ` · drop-ins: ${view.dropins.join(', ')}` : ''}
        </Text>
        {view.reason && <Text fz="xs" c="yellow.8">{view.reason}</Text>}
        <Text fz="sm" role="group" aria-label={`Live state of ${view.link}`}>
          Live: <b>{view.live.operState ?? (view.live.error ? 'unknown' : 'down')}</b>
          {view.live.addresses.length ? ` · ${view.live.addresses.join(', ')}` : ''}
        </Text>
        {view.addTargets.length > 1 && !disabled && (
          <Select label={`${who}: new entries go to`} description="Entries already set stay in their files; added lines are written here."
            data={view.addTargets} value={addTo ?? view.addTargets[0]} allowDeselect={false} onChange={(f) => f && onAddTo(f)} />
        )}
        {SIDE_FIELDS[side].map((field) => {
          const label = `${side === 'host' ? 'Host' : 'Container'} ${LABELS[field]}`;
          const value = draft[field];
          if (Array.isArray(value)) {
            return (
              <Stack key={field} gap={4}>
                <Textarea label={label} description={`One per line · ${listFrom(field)}`} autosize minRows={2} maxRows={8}
                  value={text[field] ?? value.join('\n')} disabled={disabled} error={listError(errors, field)}
                  onChange={(e) => onText(field, e.currentTarget.value)}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }} />
                {warnings[field] && <Text fz="xs" role="status" style={WARNING_TEXT}>Warning: {warnings[field]}</Text>}
                <EntrySources label={label} items={view.items[field]} />
              </Stack>
            );
          }
          if (field === 'dhcpServer') {
            return (
              <Switch key={field} label={label} description={from(field)} checked={value === 'yes'} disabled={disabled} error={errors[field]}
                onChange={(e) => onChange({ ...draft, dhcpServer: e.currentTarget.checked ? 'yes' : 'no' })} />
            );
          }
          return (
            <Select key={field} label={label} description={from(field)} data={OPTIONS[field] ?? []} value={value as string}
              disabled={disabled} allowDeselect={false} error={errors[field]}
              onChange={(v) => v && onChange({ ...draft, [field]: v } as NetworkForm)} />
          );
        })}
      </Stack>
    </Card>
  );
}
