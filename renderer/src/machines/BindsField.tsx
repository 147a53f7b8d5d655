// The binds of a new container: host directory, where it appears inside, read-only; each row's
// errors next to its fields (keys "binds.N.source" / "binds.N.target").
import { Button, Checkbox, Group, Stack, Text, TextInput } from '@mantine/core';
import type { BindMount } from '../../../shared/create';

export function BindsField({ binds, onChange, errorOf }: { binds: BindMount[]; onChange(b: BindMount[]): void; errorOf(key: string): string | undefined }) {
  const set = (i: number, patch: Partial<BindMount>) => onChange(binds.map((b, j) => (j === i ? { ...b, ...patch } : b)));
  return (
    <Stack gap={4} role="group" aria-label="Binds">
      <Group justify="space-between">
        <Text fz="sm" fw={500}>Binds</Text>
        <Button size="compact-xs" variant="default" disabled={binds.length >= 16}
          onClick={() => onChange([...binds, { source: '', target: '', readOnly: false }])}>Add bind</Button>
      </Group>
      {!binds.length && <Text fz="xs">None: the container sees only its own tree.</Text>}
      {binds.map((b, i) => (
        <Group key={i} align="flex-start" gap="xs" wrap="nowrap">
          <TextInput aria-label={`Bind ${i + 1}: host directory`} placeholder="e.g. /srv/data" value={b.source} style={{ flex: 1 }}
            onChange={(e) => set(i, { source: e.currentTarget.value })} error={errorOf(`binds.${i}.source`)} />
          <TextInput aria-label={`Bind ${i + 1}: path in the container`} placeholder="e.g. /srv/data" value={b.target} style={{ flex: 1 }}
            onChange={(e) => set(i, { target: e.currentTarget.value })} error={errorOf(`binds.${i}.target`)} />
          <Checkbox mt={8} label="read-only" aria-label={`Bind ${i + 1}: read-only`} checked={b.readOnly} onChange={(e) => set(i, { readOnly: e.currentTarget.checked })} />
          <Button size="compact-xs" mt={6} variant="subtle" color="red" aria-label={`Remove bind ${i + 1}`} onClick={() => onChange(binds.filter((_, j) => j !== i))}>Remove</Button>
        </Group>
      ))}
    </Stack>
  );
}
