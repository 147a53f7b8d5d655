// One end of the veth (host side ve-NAME, or host0 in the container) as a form.
import { Badge, Card, Group, Select, Stack, Switch, Text, Textarea, Title } from '@mantine/core';
import type { SideView } from '../../../shared/contract';
import { SIDE_FIELDS, type FieldName, type NetworkForm, type Side } from '../../../shared/network';

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

export function SideForm({ side, view, draft, text, errors, onChange, onText }: {
  side: Side;
  view: SideView;
  draft: NetworkForm;
  /** Raw text of list fields while typing. */
  text: Record<string, string>;
  errors: Record<string, string>;
  onChange(next: NetworkForm): void;
  onText(field: FieldName, value: string): void;
}) {
  const title = side === 'host' ? `Host side (${view.link})` : `Container side (${view.link})`;
  const disabled = !view.available;
  const from = (f: FieldName) => (view.sources[f] ? `from ${view.sources[f]}` : 'not set (networkd default)');
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
        <Text fz="sm" aria-label={`Live state of ${view.link}`}>
          Live: <b>{view.live.operState ?? (view.live.error ? 'unknown' : 'down')}</b>
          {view.live.addresses.length ? ` · ${view.live.addresses.join(', ')}` : ''}
        </Text>
        {SIDE_FIELDS[side].map((field) => {
          const label = `${side === 'host' ? 'Host' : 'Container'} ${LABELS[field]}`;
          const value = draft[field];
          if (Array.isArray(value)) {
            return (
              <Textarea key={field} label={label} description={`One per line · ${from(field)}`} autosize minRows={2} maxRows={8}
                value={text[field] ?? value.join('\n')} disabled={disabled} error={listError(errors, field)}
                onChange={(e) => onText(field, e.currentTarget.value)}
                styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }} />
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
