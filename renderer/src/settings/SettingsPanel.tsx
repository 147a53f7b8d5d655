// The Settings tab of a machine: its .nspawn as a form with a preview of the change, Apply, Undo
// and "applies at next start" with Restart now; resource limits of its unit, now and/or kept.
import { useEffect, useState } from 'react';
import { Alert, Button, Code, Group, Loader, Select, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { SettingsForm, type SettingsView } from '../../../shared/settings';
import { useHost } from '../transport/context';
import { NeedsAdmin } from '../access/AccessControl';
import { BindsSection, CredentialsSection, EnvironmentSection, PortsSection, TmpfsSection } from './SettingsSections';
import { LimitsSection } from './LimitsSection';

export function SettingsPanel({ name, running, onDirty }: { name: string; running: boolean; onDirty?(dirty: boolean): void }) {
  const client = useHost();
  const qc = useQueryClient();
  const key = [client.id, 'settings', name];
  const view = useQuery({ queryKey: key, queryFn: () => client.call('settings.get', { name }) });
  const [form, setForm] = useState<SettingsForm>();
  const [touched, setTouched] = useState(false);
  useEffect(() => { if (view.data && !form) setForm(view.data.form); }, [view.data, form]);
  const dirty = touched && !!form && !!view.data && JSON.stringify(form) !== JSON.stringify(view.data.form);
  useEffect(() => { onDirty?.(dirty); }, [dirty, onDirty]);
  useEffect(() => () => onDirty?.(false), [onDirty]);
  const reload = async () => {
    const fresh = await qc.fetchQuery({ queryKey: key, queryFn: () => client.call('settings.get', { name }), staleTime: 0 });
    setForm(fresh.form);
    setTouched(false);
  };
  const preview = useMutation({ mutationFn: (f: SettingsForm) => client.call('settings.preview', { name, form: f, tag: view.data!.tag }) });
  const apply = useMutation({
    mutationFn: (f: SettingsForm) => client.call('settings.apply', { name, form: f, tag: view.data!.tag }),
    onSuccess: async () => { preview.reset(); await reload(); },
  });
  const undo = useMutation({ mutationFn: (token: string) => client.call('settings.undo', { token }), onSuccess: async () => { apply.reset(); await reload(); } });
  const restart = useMutation({ mutationFn: () => client.call('machines.restart', { name }), onSuccess: () => reload() });

  if (view.error) return <Alert m="sm" color="red" role="alert" title="Settings could not be read">{(view.error as Error).message}</Alert>;
  if (!view.data || !form) return <Group m="sm" role="status"><Loader size="sm" /><Text>Reading the settings…</Text></Group>;

  const parsed = SettingsForm.safeParse(form);
  const errors: Record<string, string> = {};
  if (!parsed.success) for (const i of parsed.error.issues) errors[i.path.join('.')] ??= i.message;
  const err = (k: string) => (touched ? errors[k] : undefined);
  const set = (f: SettingsForm) => { setForm(f); setTouched(true); preview.reset(); apply.reset(); };
  const ready = parsed.success;
  const failure = (preview.error ?? apply.error ?? undo.error ?? restart.error) as (Error & { code?: string }) | null;

  return (
    <Stack p="sm" gap="md" maw={1100}>
      <Text fz="sm">{view.data.exists ? `From ${view.data.file}` : `No .nspawn file yet: Apply creates ${view.data.file}`}{view.data.runtime ? ' (runtime: gone at reboot)' : ''}</Text>
      {view.data.blocked && <Alert color="yellow" role="status" title="Changed in configuration.nix">{view.data.blocked}</Alert>}
      {(view.data.pendingRestart || apply.data?.restartNeeded) && running && (
        <Alert color="yellow" role="status" title="Applies at next start">
          <Group gap="sm"><Text fz="sm">{name} runs with its earlier settings until it restarts.</Text>
            <Button size="xs" variant="default" loading={restart.isPending} onClick={() => restart.mutate()}>Restart now</Button></Group>
        </Alert>
      )}
      {view.data.fixed.length > 0 && (
        <Text fz="xs">Kept as written (generated or not shown here): {view.data.fixed.map((f) => `${f.key}=${f.value}`).join(', ')}</Text>
      )}
      <BindsSection form={form} set={set} err={err} />
      <TmpfsSection form={form} set={set} err={err} />
      <PortsSection form={form} set={set} err={err} />
      <EnvironmentSection form={form} set={set} err={err} />
      <Group gap="md" align="flex-start">
        <Select label="Ephemeral" w={220} allowDeselect={false} value={form.ephemeral} onChange={(v) => set({ ...form, ephemeral: (v ?? '') as SettingsForm['ephemeral'] })}
          data={[{ value: '', label: "nspawn's default (no)" }, { value: 'yes', label: 'yes: a fresh copy each boot' }, { value: 'no', label: 'no' }]} />
        <TextInput label="User namespacing (PrivateUsers)" w={260} placeholder="default" value={form.privateUsers} error={err('privateUsers')}
          description="yes, no, pick, identity or UID[:count]" onChange={(e) => set({ ...form, privateUsers: e.currentTarget.value.trim() })} />
      </Group>
      <CredentialsSection form={form} set={set} err={err} />
      {failure && <Alert color="red" role="alert" title="Not applied">{failure.message}<NeedsAdmin code={failure.code} /></Alert>}
      {preview.data && (
        <Stack gap={4}>
          {preview.data.notes.map((n) => <Text key={n} fz="sm">{n}</Text>)}
          {preview.data.diff && <Code block aria-label={`Changes to ${preview.data.file}`} role="region">{preview.data.diff}</Code>}
          {preview.data.nixSnippet && (
            <>
              <Text fz="sm" fw={500}>To make it permanent, in configuration.nix:</Text>
              <Code block aria-label="Nix snippet" role="region">{preview.data.nixSnippet}</Code>
            </>
          )}
        </Stack>
      )}
      {apply.data && (
        <Alert color="green" role="status" title="Applied">
          {apply.data.notes.map((n) => <Text key={n} fz="sm">{n}</Text>)}
          {apply.data.undoToken && <Button mt="xs" size="xs" variant="default" loading={undo.isPending} onClick={() => undo.mutate(apply.data!.undoToken!)}>Undo</Button>}
        </Alert>
      )}
      {undo.data && <Text fz="sm" role="status">Undone: {undo.data.restored.join(', ') || 'nothing was left to put back'}</Text>}
      <Group>
        <Button variant="default" disabled={!touched} onClick={() => { setTouched(true); if (ready) preview.mutate(form); }}>Preview changes</Button>
        <Button loading={apply.isPending} onClick={() => { setTouched(true); if (ready) apply.mutate(form); }}>Apply</Button>
        <Button variant="subtle" disabled={!touched} onClick={() => void reload()}>Discard</Button>
      </Group>
      <LimitsSection name={name} view={view.data as SettingsView} onChanged={reload} />
    </Stack>
  );
}
