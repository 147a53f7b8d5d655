// Resource limits of systemd-nspawn@NAME.service: memory as sizes, CPU as percent of one CPU and
// weights; set on the running unit now, kept in a drop-in for later boots, or both.
import { useState } from 'react';
import { Alert, Button, Checkbox, Group, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { parseSize, sizeText } from '../../../shared/images';
import { Limits, type SettingsView } from '../../../shared/settings';
import { useHost } from '../transport/context';
import { NeedsAdmin } from '../access/AccessControl';

type Field = keyof Limits;
const FIELDS: { key: Field; label: string; kind: 'size' | 'number'; hint: string }[] = [
  { key: 'memoryMax', label: 'MemoryMax', kind: 'size', hint: 'hard cap, e.g. 512M' },
  { key: 'memoryHigh', label: 'MemoryHigh', kind: 'size', hint: 'throttled above, e.g. 400M' },
  { key: 'cpuQuota', label: 'CPUQuota (%)', kind: 'number', hint: '100 = one CPU' },
  { key: 'cpuWeight', label: 'CPUWeight', kind: 'number', hint: '1–10000, default 100' },
  { key: 'tasksMax', label: 'TasksMax', kind: 'number', hint: 'processes and threads' },
  { key: 'ioWeight', label: 'IOWeight', kind: 'number', hint: '1–10000, default 100' },
];

export function LimitsSection({ name, view, onChanged }: { name: string; view: SettingsView; onChanged(): void }) {
  const client = useHost();
  const [text, setText] = useState<Record<Field, string>>(() => Object.fromEntries(FIELDS.map((f) => [f.key, f.kind === 'size' ? sizeText(view.limits[f.key]) : String(view.limits[f.key] ?? '')])) as Record<Field, string>);
  const [now, setNow] = useState(true);
  const [keep, setKeep] = useState(true);
  const set = useMutation({ mutationFn: (limits: Limits) => client.call('settings.setLimits', { name, limits, runtime: now, persistent: keep }), onSuccess: onChanged });
  const errors: Partial<Record<Field, string>> = {};
  const limits: Record<string, number> = {};
  for (const f of FIELDS) {
    const t = text[f.key].trim();
    if (!t || t === 'infinity') continue;
    const v = f.kind === 'size' ? parseSize(t) : /^\d+$/.test(t) ? Number(t) : { error: 'a whole number' };
    if (typeof v === 'object') errors[f.key] = v.error;
    else limits[f.key] = v;
  }
  const checked = Limits.safeParse(limits);
  if (!checked.success) for (const i of checked.error.issues) errors[i.path[0] as Field] ??= i.message;
  const ok = !Object.keys(errors).length && (now || keep);
  const failure = set.error as (Error & { code?: string }) | null;
  return (
    <Stack gap={4} role="group" aria-label="Resource limits">
      <Text fz="sm" fw={600}>Resource limits</Text>
      <Text fz="xs">Empty: no limit. The Resources tab draws MemoryMax on the memory graph.</Text>
      <Group gap="sm" align="flex-start">
        {FIELDS.map((f) => (
          <TextInput key={f.key} label={f.label} description={f.hint} w={170} value={text[f.key]} error={errors[f.key]}
            onChange={(e) => { setText({ ...text, [f.key]: e.currentTarget.value }); set.reset(); }} />
        ))}
      </Group>
      <Group gap="md">
        <Checkbox label="Now (the running unit)" checked={now} onChange={(e) => setNow(e.currentTarget.checked)} />
        <Checkbox label="Keep after reboot (a drop-in)" checked={keep} onChange={(e) => setKeep(e.currentTarget.checked)} />
        <Button size="xs" disabled={!ok} loading={set.isPending} onClick={() => set.mutate(checked.data as Limits)}>Set limits</Button>
      </Group>
      {!now && !keep && <Text fz="xs" c="var(--mantine-color-error)">Choose now, keep after reboot, or both</Text>}
      {set.data && <Text fz="sm" role="status">{set.data.notes.join(' ')}</Text>}
      {failure && <Alert color="red" role="alert" title="Limits not set">{failure.message}<NeedsAdmin code={failure.code} /></Alert>}
    </Stack>
  );
}
