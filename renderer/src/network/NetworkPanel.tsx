// The Network panel: both veth ends as forms, preview of every file touched, apply, undo.
import { useEffect, useMemo, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Code, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { NeedsAdmin } from '../access/AccessControl';
import type { NetworkPlan, NetworkView } from '../../../shared/contract';
import { crossSideWarnings, SIDES, validateForm, type FieldName, type NetworkForm, type Side } from '../../../shared/network';
import { useHost } from '../transport/context';
import type { ClientError } from '../transport/client';
import { SideForm, toLines } from './SideForm';
import { WARNING_TEXT } from '../ui/theme';

type Drafts = Record<Side, NetworkForm>;
type Texts = Record<Side, Record<string, string>>;

/** Keeps the action buttons in view at the bottom of the panel while the forms scroll. */
const STICKY_BAR = { position: 'sticky', bottom: 0, zIndex: 1, background: 'var(--mantine-color-body)', padding: '8px 0', borderTop: '1px solid var(--mantine-color-default-border)' } as const;

export function NetworkPanel({ name, onDirty }: { name: string; onDirty?(dirty: boolean): void }) {
  const client = useHost();
  const qc = useQueryClient();
  const view = useQuery({ queryKey: [client.id, 'network', name], queryFn: () => client.call('network.get', { name }), staleTime: 0 });
  const [drafts, setDrafts] = useState<Drafts | null>(null);
  const [texts, setTexts] = useState<Texts>({ host: {}, container: {} });
  const [plan, setPlan] = useState<NetworkPlan | null>(null);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ color: string; title: string; lines: string[]; undo?: string; code?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [addTo, setAddTo] = useState<Partial<Record<Side, string>>>({});

  useEffect(() => {
    if (view.data && !drafts) setDrafts({ host: view.data.host.values, container: view.data.container.values });
  }, [view.data, drafts]);

  const errors = useMemo(() => {
    const out: Record<string, string> = { ...serverErrors };
    if (drafts) for (const side of SIDES) for (const [k, v] of Object.entries(validateForm(side, drafts[side]))) out[`${side}.${k}`] = v;
    return out;
  }, [drafts, serverErrors]);
  const dirtyNow = !!drafts && !!view.data && SIDES.some((s) => JSON.stringify(drafts[s]) !== JSON.stringify(view.data[s].values));
  useEffect(() => { onDirty?.(dirtyNow); }, [dirtyNow, onDirty]);
  useEffect(() => () => onDirty?.(false), [onDirty]);
  const sideErrors = (side: Side) => Object.fromEntries(Object.entries(errors).filter(([k]) => k.startsWith(`${side}.`)).map(([k, v]) => [k.slice(side.length + 1), v]));

  if (view.isLoading || !drafts) return <Group p="md"><Loader size="sm" /><Text>Reading network configuration…</Text></Group>;
  if (view.error) return <Alert color="red" m="md" role="alert" title="Could not read the network configuration">{(view.error as Error).message}</Alert>;
  const v = view.data!;
  const dirty = dirtyNow;
  const hasErrors = Object.keys(errors).length > 0;

  const warnings = crossSideWarnings(v.host.values, drafts.host, drafts.container);
  const sideWarnings = (side: Side) => Object.fromEntries(Object.entries(warnings).filter(([k]) => k.startsWith(`${side}.`)).map(([k, w]) => [k.slice(side.length + 1), w]));
  const request = () => ({
    name, ...Object.fromEntries(SIDES.filter((s) => v[s].available).map((s) => [s, drafts[s]])),
    ...(Object.keys(addTo).length ? { addTo } : {}),
  });
  const fail = (e: ClientError, title: string) => {
    setServerErrors(e.fields ?? {});
    setMessage({ color: 'red', title, lines: [e.message], code: e.code });
  };
  const preview = async () => {
    setBusy(true);
    setMessage(null);
    try {
      setPlan(await client.call('network.preview', request()));
    } catch (e) {
      fail(e as ClientError, 'Cannot preview');
    } finally {
      setBusy(false);
    }
  };
  const reset = (fresh = v) => {
    setDrafts({ host: fresh.host.values, container: fresh.container.values });
    setTexts({ host: {}, container: {} });
    setAddTo({});
    setPlan(null);
    setServerErrors({});
  };
  const reload = async () => {
    const fresh = await qc.fetchQuery({ queryKey: [client.id, 'network', name], queryFn: () => client.call('network.get', { name }) });
    reset(fresh);
  };
  const apply = async () => {
    setBusy(true);
    try {
      const r = await client.call('network.apply', { ...request(), tags: { ...v.host.tags, ...v.container.tags } });
      const ok = r.results.every((x) => x.ok);
      // The form is re-read from the files first: what is typed after "Applied" shows is never
      // overwritten by a re-read still under way.
      await reload();
      if (!r.undoToken) setMessage({ color: 'blue', title: 'Nothing changed', lines: r.notes });
      else setMessage({ color: ok ? 'green' : 'yellow', title: ok ? 'Applied' : 'Applied with problems', lines: r.results.map((x) => `${x.side}: ${x.message}`), undo: r.undoToken });
      setPlan(r.runtimeOnly ? r : null);
    } catch (e) {
      fail(e as ClientError, 'Not applied');
    } finally {
      setBusy(false);
    }
  };
  const undo = async (token: string) => {
    setBusy(true);
    try {
      const r = await client.call('network.undo', { token });
      await reload();
      setMessage({ color: 'blue', title: 'Undone', lines: [`restored ${r.restored.join(', ')}`, ...r.results.map((x) => `${x.side}: ${x.message}`)] });
    } catch (e) {
      fail(e as ClientError, 'Undo failed');
    } finally {
      setBusy(false);
    }
  };
  const forget = async (token: string) => {
    setBusy(true);
    try {
      await client.call('network.forget', { token });
      setMessage({ color: 'blue', title: 'Forgotten', lines: ['The change is no longer on record; its files were left as they are.'] });
      await reload();
    } catch (e) {
      fail(e as ClientError, 'Could not forget the change');
    } finally {
      setBusy(false);
    }
  };
  const setDraft = (side: Side, next: NetworkForm) => {
    setDrafts({ ...drafts, [side]: next });
    setPlan(null);
    setServerErrors({});
  };
  const setText = (side: Side, field: FieldName, value: string) => {
    setTexts({ ...texts, [side]: { ...texts[side], [field]: value } });
    setDraft(side, { ...drafts[side], [field]: toLines(value) });
  };

  return (
    <Stack p="sm" pb={0} gap="sm">
      {v.nixos && (
        <Alert color="yellow" title="NixOS host">
          The files here are generated by Nix. Apply writes a runtime drop-in under /run/systemd/network that lasts until
          reboot; preview shows the Nix snippet that makes the change persistent.
        </Alert>
      )}
      <Group align="stretch" wrap="wrap">
        {SIDES.map((side) => (
          <SideForm key={side} side={side} view={v[side]} draft={drafts[side]} text={texts[side]} errors={sideErrors(side)}
            warnings={sideWarnings(side)} addTo={addTo[side]} onAddTo={(f) => { setAddTo({ ...addTo, [side]: f }); setPlan(null); }}
            onChange={(n) => setDraft(side, n)} onText={(f, t) => setText(side, f, t)} />
        ))}
      </Group>
      <Group style={STICKY_BAR} role="group" aria-label="Network changes">
        <Button onClick={() => void preview()} disabled={!dirty || hasErrors || busy} loading={busy && !plan}>Preview changes</Button>
        <Button variant="default" onClick={() => reset()} disabled={!dirty || busy}>Discard changes</Button>
        <Button variant="subtle" onClick={() => void reload()} disabled={busy}>Reload from files</Button>
        {hasErrors && <Text fz="sm" c="red" role="status">Fix the marked fields first.</Text>}
      </Group>
      {!message && v.lastChange && <LastChange change={v.lastChange} busy={busy} onUndo={(t) => void undo(t)} onForget={(t) => void forget(t)} />}
      {message && (
        <Alert color={message.color} title={message.title} role="alert" withCloseButton closeButtonLabel="Dismiss" onClose={() => setMessage(null)}>
          {message.lines.map((l) => <Text key={l} fz="sm">{l}</Text>)}
          {message.undo && <Button mt="xs" size="xs" variant="light" onClick={() => void undo(message.undo!)} disabled={busy}>Undo</Button>}
          <NeedsAdmin code={message.code} />
        </Alert>
      )}
      {plan && (
        <Stack gap="xs" component="section" aria-label="Preview">
          <Title order={3} fz="md">{plan.files.length ? 'Files that will change' : 'Nothing to change'}</Title>
          {plan.notes.map((n) => <Text key={n} fz="sm" c="dimmed">{n}</Text>)}
          {plan.files.map((f) => (
            <div key={f.path}>
              <Text fz="sm" fw={600}>{f.side}: {f.path}{f.created ? ' (new file)' : ''}</Text>
              <Code block role="figure" aria-label={`Diff of ${f.path}`}>{f.diff}</Code>
            </div>
          ))}
          {plan.runtimeOnly && (
            <Alert color="yellow" title="Runtime change only">This lasts until reboot. To keep it, add to your NixOS configuration:</Alert>
          )}
          {plan.nixSnippet && <Code block role="figure" aria-label="Nix snippet">{plan.nixSnippet}</Code>}
          {!('undoToken' in plan) && plan.files.length > 0 && (
            <Group><Button color="green" onClick={() => void apply()} loading={busy}>Apply</Button></Group>
          )}
        </Stack>
      )}
    </Stack>
  );
}

/** The newest recorded change: undo it, finish an undo that stopped part-way, or forget it. */
function LastChange({ change, busy, onUndo, onForget }: {
  change: NonNullable<NetworkView['lastChange']>; busy: boolean; onUndo: (token: string) => void; onForget: (token: string) => void;
}) {
  const when = new Date(change.at).toLocaleString();
  const forgetButton = <Button size="xs" variant="subtle" onClick={() => onForget(change.token)} disabled={busy}>Forget this change</Button>;
  return (
    <Group gap="xs" role="group" aria-label="Last change">
      {change.state === 'applied' && (
        <>
          <Text fz="sm" c="dimmed">Last change by this app: {when} ({change.files.join(', ')})</Text>
          <Button size="xs" variant="light" onClick={() => onUndo(change.token)} disabled={busy}>Undo last change</Button>
        </>
      )}
      {change.state === 'partly-undone' && (
        <>
          <Text fz="sm" style={WARNING_TEXT}>
            Undo of the change of {when} stopped part-way: {change.restoredFiles} of {change.files.length} files are back.
          </Text>
          <Button size="xs" variant="light" onClick={() => onUndo(change.token)} disabled={busy}>Finish undo</Button>
          {forgetButton}
        </>
      )}
      {change.state === 'changed' && (
        <>
          <Text fz="sm" c="dimmed">The change of {when} can no longer be undone: {change.reason}.</Text>
          {forgetButton}
        </>
      )}
    </Group>
  );
}
