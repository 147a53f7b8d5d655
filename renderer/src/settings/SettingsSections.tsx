// The Settings form's sections: binds, temporary file systems, ports, environment, credentials.
// Each row's errors sit next to its fields ("binds.0.source"); secret values are typed, never shown.
import { Button, Checkbox, Group, MultiSelect, NumberInput, PasswordInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { BIND_OPTIONS, type CredentialEntry, type SettingsForm } from '../../../shared/settings';

type Props = { form: SettingsForm; set(f: SettingsForm): void; err(key: string): string | undefined };

function Section({ title, onAdd, addLabel, children, empty }: { title: string; onAdd(): void; addLabel: string; children: React.ReactNode; empty: boolean }) {
  return (
    <Stack gap={4} role="group" aria-label={title}>
      <Group justify="space-between">
        <Text fz="sm" fw={600}>{title}</Text>
        <Button size="compact-xs" variant="default" onClick={onAdd}>{addLabel}</Button>
      </Group>
      {empty ? <Text fz="xs">None.</Text> : children}
    </Stack>
  );
}

const put = <T,>(list: T[], i: number, v: Partial<T>) => list.map((x, j) => (j === i ? { ...x, ...v } : x));
const drop = <T,>(list: T[], i: number) => list.filter((_, j) => j !== i);

export function BindsSection({ form, set, err }: Props) {
  return (
    <Section title="Binds" addLabel="Add bind" empty={!form.binds.length}
      onAdd={() => set({ ...form, binds: [...form.binds, { source: '', target: '', readOnly: false, options: [] }] })}>
      {form.binds.map((b, i) => (
        <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
          <TextInput aria-label={`Bind ${i + 1}: host directory`} placeholder="e.g. /srv/data" style={{ flex: 1 }} value={b.source}
            onChange={(e) => set({ ...form, binds: put(form.binds, i, { source: e.currentTarget.value }) })} error={err(`binds.${i}.source`)} />
          <TextInput aria-label={`Bind ${i + 1}: path in the container`} placeholder="e.g. /srv/data" style={{ flex: 1 }} value={b.target}
            onChange={(e) => set({ ...form, binds: put(form.binds, i, { target: e.currentTarget.value }) })} error={err(`binds.${i}.target`)} />
          <MultiSelect aria-label={`Bind ${i + 1}: options`} placeholder="options" w={170} data={[...BIND_OPTIONS]} value={b.options}
            onChange={(v) => set({ ...form, binds: put(form.binds, i, { options: v as typeof b.options }) })} />
          <Checkbox mt={8} label="read-only" checked={b.readOnly} onChange={(e) => set({ ...form, binds: put(form.binds, i, { readOnly: e.currentTarget.checked }) })} />
          <Button size="compact-xs" mt={6} variant="subtle" color="red" aria-label={`Remove bind ${i + 1}`} onClick={() => set({ ...form, binds: drop(form.binds, i) })}>Remove</Button>
        </Group>
      ))}
    </Section>
  );
}

export function TmpfsSection({ form, set, err }: Props) {
  return (
    <Section title="Temporary file systems" addLabel="Add tmpfs" empty={!form.tmpfs.length} onAdd={() => set({ ...form, tmpfs: [...form.tmpfs, ''] })}>
      {form.tmpfs.map((t, i) => (
        <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
          <TextInput aria-label={`Temporary file system ${i + 1}: path in the container`} placeholder="e.g. /var/cache" style={{ flex: 1 }} value={t}
            onChange={(e) => set({ ...form, tmpfs: form.tmpfs.map((x, j) => (j === i ? e.currentTarget.value : x)) })} error={err(`tmpfs.${i}`)} />
          <Button size="compact-xs" mt={6} variant="subtle" color="red" aria-label={`Remove temporary file system ${i + 1}`} onClick={() => set({ ...form, tmpfs: drop(form.tmpfs, i) })}>Remove</Button>
        </Group>
      ))}
    </Section>
  );
}

export function PortsSection({ form, set, err }: Props) {
  return (
    <Section title="Forwarded ports" addLabel="Add port" empty={!form.ports.length}
      onAdd={() => set({ ...form, ports: [...form.ports, { protocol: 'tcp', host: 0, container: 0 }] })}>
      {form.ports.map((p, i) => (
        <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
          <Select aria-label={`Port ${i + 1}: protocol`} w={90} allowDeselect={false} data={['tcp', 'udp']} value={p.protocol}
            onChange={(v) => v && set({ ...form, ports: put(form.ports, i, { protocol: v as 'tcp' | 'udp' }) })} />
          <NumberInput aria-label={`Port ${i + 1}: host port`} placeholder="host port" w={140} hideControls allowDecimal={false} value={p.host || ''}
            onChange={(v) => set({ ...form, ports: put(form.ports, i, { host: Number(v) || 0 }) })} error={err(`ports.${i}.host`) ?? err(`ports.${i}`)} />
          <Text mt={6}>→</Text>
          <NumberInput aria-label={`Port ${i + 1}: container port`} placeholder="container port" w={140} hideControls allowDecimal={false} value={p.container || ''}
            onChange={(v) => set({ ...form, ports: put(form.ports, i, { container: Number(v) || 0 }) })} error={err(`ports.${i}.container`)} />
          <Button size="compact-xs" mt={6} variant="subtle" color="red" aria-label={`Remove port ${i + 1}`} onClick={() => set({ ...form, ports: drop(form.ports, i) })}>Remove</Button>
        </Group>
      ))}
    </Section>
  );
}

export function EnvironmentSection({ form, set, err }: Props) {
  return (
    <Section title="Environment" addLabel="Add variable" empty={!form.environment.length}
      onAdd={() => set({ ...form, environment: [...form.environment, { name: '', value: '' }] })}>
      {form.environment.map((v, i) => (
        <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
          <TextInput aria-label={`Variable ${i + 1}: name`} placeholder="NAME" w={200} value={v.name}
            onChange={(e) => set({ ...form, environment: put(form.environment, i, { name: e.currentTarget.value }) })} error={err(`environment.${i}.name`) ?? err(`environment.${i}`)} />
          <TextInput aria-label={`Variable ${i + 1}: value`} placeholder="value" style={{ flex: 1 }} value={v.value}
            onChange={(e) => set({ ...form, environment: put(form.environment, i, { value: e.currentTarget.value }) })} error={err(`environment.${i}.value`)} />
          <Button size="compact-xs" mt={6} variant="subtle" color="red" aria-label={`Remove variable ${i + 1}`} onClick={() => set({ ...form, environment: drop(form.environment, i) })}>Remove</Button>
        </Group>
      ))}
    </Section>
  );
}

const KIND_LABEL: Record<CredentialEntry['kind'], string> = { set: 'value', 'set-encrypted': 'value, encrypted on the host', load: 'file on the host', 'load-encrypted': 'encrypted file on the host' };

export function CredentialsSection({ form, set, err }: Props) {
  return (
    <Section title="Credentials" addLabel="Add credential" empty={!form.credentials.length}
      onAdd={() => set({ ...form, credentials: [...form.credentials, { name: '', kind: 'set', keep: false, value: '' }] })}>
      <Text fz="xs">Inside the container they appear under $CREDENTIALS_DIRECTORY after a restart. Values are never shown again once saved.</Text>
      {form.credentials.map((c, i) => (
        <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
          <TextInput aria-label={`Credential ${i + 1}: name`} placeholder="e.g. db-password" w={180} value={c.name} readOnly={c.keep}
            onChange={(e) => set({ ...form, credentials: put(form.credentials, i, { name: e.currentTarget.value }) })} error={err(`credentials.${i}.name`) ?? err(`credentials.${i}`)} />
          <Select aria-label={`Credential ${i + 1}: kind`} w={230} allowDeselect={false} disabled={c.keep} value={c.kind}
            data={Object.entries(KIND_LABEL).map(([value, label]) => ({ value, label }))}
            onChange={(v) => v && set({ ...form, credentials: put(form.credentials, i, { kind: v as CredentialEntry['kind'], value: '', source: undefined }) })} />
          {c.keep ? (
            <Group gap="xs" style={{ flex: 1 }}>
              <Text fz="sm" mt={6}>{c.kind.startsWith('load') ? c.source : 'saved (hidden)'}</Text>
              <Button size="compact-xs" mt={6} variant="default" aria-label={`Replace credential ${c.name}`}
                onClick={() => set({ ...form, credentials: put(form.credentials, i, { keep: false, value: '', source: undefined }) })}>Replace</Button>
            </Group>
          ) : c.kind.startsWith('load') ? (
            <TextInput aria-label={`Credential ${i + 1}: file on the host`} placeholder="/etc/credstore/…" style={{ flex: 1 }} value={c.source ?? ''}
              onChange={(e) => set({ ...form, credentials: put(form.credentials, i, { source: e.currentTarget.value }) })} error={err(`credentials.${i}.source`)} />
          ) : (
            <PasswordInput aria-label={`Credential ${i + 1}: value`} style={{ flex: 1 }} value={c.value ?? ''} autoComplete="new-password"
              onChange={(e) => set({ ...form, credentials: put(form.credentials, i, { value: e.currentTarget.value }) })} error={err(`credentials.${i}.value`)} />
          )}
          <Button size="compact-xs" mt={6} variant="subtle" color="red" aria-label={`Remove credential ${c.name || i + 1}`} onClick={() => set({ ...form, credentials: drop(form.credentials, i) })}>Remove</Button>
        </Group>
      ))}
    </Section>
  );
}
