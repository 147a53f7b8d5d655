// New container: name, where its tree comes from, network, binds, ephemeral, autostart and start.
// Each field says what is wrong before anything is sent; the host then makes it as one operation,
// followed here step by step (closing leaves it running; see Operations). A failure keeps every
// field as typed. On NixOS hosts the same container is offered as configuration.nix options.
import { memo, useState } from 'react';
import { Alert, Button, Checkbox, Code, CopyButton, Group, Modal, Progress, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { createNixSnippet, CreateRequest, type BindMount } from '../../../shared/create';
import { useHost } from '../transport/context';
import { NeedsAdmin } from '../access/AccessControl';
import { opFailure, runOp, useImages } from '../images/hooks';
import { useOps } from '../ops/hooks';
import { useHostStatus, useMachines } from './hooks';
import { BindsField } from './BindsField';

type SourceType = 'clone' | 'scratch' | 'pull' | 'import';
type NetMode = 'dhcp' | 'static' | 'host';

/** Memoised: it sits in the machine list's toolbar, which redraws with every change to the list. */
export const NewContainerButton = memo(function NewContainerButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="xs" variant="default" onClick={() => setOpen(true)}>New container…</Button>
      {open && <NewContainerDialog onClose={() => setOpen(false)} />}
    </>
  );
});

function NewContainerDialog({ onClose }: { onClose(): void }) {
  const client = useHost();
  const { host } = useHostStatus();
  const images = useImages();
  const machines = useMachines();
  const ops = useOps();
  const [name, setName] = useState('');
  const [source, setSource] = useState<SourceType>('scratch');
  const [image, setImage] = useState<string | null>(null);
  const [url, setUrl] = useState('');
  const [path, setPath] = useState('');
  const [format, setFormat] = useState('tar');
  const [verify, setVerify] = useState('signature');
  const [net, setNet] = useState<NetMode>('dhcp');
  const [hostAddress, setHostAddress] = useState('');
  const [containerAddress, setContainerAddress] = useState('');
  const [binds, setBinds] = useState<BindMount[]>([]);
  const [ephemeral, setEphemeral] = useState(false);
  const [autostart, setAutostart] = useState(false);
  const [start, setStart] = useState(true);
  const [runtime, setRuntime] = useState(!!host?.nixos);
  const [touched, setTouched] = useState(false);
  const [opId, setOpId] = useState<string>();

  const request = {
    kind: 'machine.create', name,
    source: source === 'clone' ? { type: 'clone', image: image ?? '' } : source === 'scratch' ? { type: 'scratch' }
      : source === 'pull' ? { type: 'pull', url: url.trim(), format, verify } : { type: 'import', path: path.trim(), format },
    network: net === 'static' ? { mode: 'static', hostAddress: hostAddress.trim(), containerAddress: containerAddress.trim() } : { mode: net },
    binds, ephemeral: ephemeral || source === 'scratch', autostart, start, runtime,
  };
  const parsed = CreateRequest.safeParse(request);
  // Field errors by path ("name", "network.hostAddress", "binds.0.source"), plus the clash the host would find.
  const errors = (() => {
    const out: Record<string, string> = {};
    if (!parsed.success) for (const i of parsed.error.issues) out[i.path.join('.')] ??= i.message;
    // An empty field is simply missing, whatever the format it would need.
    if (net === 'static' && !hostAddress.trim()) out['network.hostAddress'] = 'needed';
    if (net === 'static' && !containerAddress.trim()) out['network.containerAddress'] = 'needed';
    binds.forEach((b, i) => {
      if (!b.source) out[`binds.${i}.source`] = 'needed';
      if (!b.target) out[`binds.${i}.target`] = 'needed';
    });
    if (!name) out.name = 'a name for the machine';
    else if ((images.data ?? []).some((i) => i.name === name) || (machines.data ?? []).some((m) => m.name === name)) out.name = `a machine or image named ${name} exists already`;
    if (source === 'clone' && !image) out['source.image'] = 'choose the image to clone';
    return out;
  })();
  const shown = (key: string) => (touched ? errors[key] : undefined);

  const create = useMutation({
    mutationFn: async () => {
      const failure = opFailure(await runOp(client, parsed.data!, (op) => setOpId(op.id)));
      if (failure) throw failure;
    },
    onSuccess: onClose,
  });
  const op = ops.data?.find((o) => o.id === opId);
  const submit = () => {
    setTouched(true);
    if (!Object.keys(errors).length && parsed.success) create.mutate();
  };
  const error = create.error as (Error & { code?: string }) | null;

  return (
    <Modal opened onClose={onClose} title="New container" size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <Stack gap="sm">
          <TextInput label="Name" data-autofocus value={name} onChange={(e) => setName(e.currentTarget.value.trim())} error={shown('name')}
            description="Letters, digits and -, with dots between parts (systemd's machine names)" />
          <div role="group" aria-label="Source">
            <Text fz="sm" fw={500} mb={4}>Source</Text>
            <SegmentedControl fullWidth value={source} onChange={(v) => setSource(v as SourceType)} aria-label="Source"
              data={[{ value: 'scratch', label: 'From scratch' }, { value: 'clone', label: 'Clone an image' }, { value: 'pull', label: 'Pull a URL' }, { value: 'import', label: 'Import a file' }]} />
          </div>
          {source === 'scratch' && <Text fz="xs">An almost empty tree that boots the host's own /usr read-only, ephemeral (nixos-nspawn style): nothing to download, state only in binds.</Text>}
          {source === 'clone' && (
            <Select label="Image to clone" placeholder="Choose an image" value={image} onChange={setImage} error={shown('source.image')}
              data={(images.data ?? []).map((i) => i.name).sort()} searchable nothingFoundMessage="No such image" />
          )}
          {source === 'pull' && (
            <Group grow align="flex-start">
              <TextInput label="URL" value={url} onChange={(e) => setUrl(e.currentTarget.value)} error={shown('source.url')} placeholder="https://…/image.tar.xz" />
              <Select label="Verification" allowDeselect={false} value={verify} onChange={(v) => v && setVerify(v)} data={['signature', 'checksum', 'no']} w={140} />
            </Group>
          )}
          {source === 'import' && (
            <TextInput label="File on the host" value={path} onChange={(e) => setPath(e.currentTarget.value)} error={shown('source.path')} placeholder="/srv/images/debian-12.tar" />
          )}
          {(source === 'pull' || source === 'import') && (
            <Select label="Format" allowDeselect={false} value={format} onChange={(v) => v && setFormat(v)}
              data={[{ value: 'tar', label: 'tar archive' }, { value: 'raw', label: 'disk image' }, ...(source === 'import' ? [{ value: 'directory', label: 'directory tree' }] : [])]} />
          )}
          <div role="group" aria-label="Network">
            <Text fz="sm" fw={500} mb={4}>Network</Text>
            <SegmentedControl fullWidth value={net} onChange={(v) => setNet(v as NetMode)} aria-label="Network"
              data={[{ value: 'dhcp', label: 'veth, DHCP' }, { value: 'static', label: 'veth, static addresses' }, { value: 'host', label: "The host's network" }]} />
          </div>
          {net === 'static' && (
            <Group grow align="flex-start">
              <TextInput label="Host end (ve-NAME)" placeholder="e.g. 10.77.0.1/24" value={hostAddress} onChange={(e) => setHostAddress(e.currentTarget.value)} error={shown('network.hostAddress')} />
              <TextInput label="Container end (host0)" placeholder="e.g. 10.77.0.2/24" value={containerAddress} onChange={(e) => setContainerAddress(e.currentTarget.value)} error={shown('network.containerAddress')} />
            </Group>
          )}
          <BindsField binds={binds} onChange={setBinds} errorOf={shown} />
          {shown('binds') && <Text fz="xs" c="var(--mantine-color-error)">{shown('binds')}</Text>}
          <Group gap="lg">
            <Checkbox label="Ephemeral (a fresh copy at each boot)" checked={ephemeral || source === 'scratch'} disabled={source === 'scratch'} onChange={(e) => setEphemeral(e.currentTarget.checked)} />
            <Checkbox label="Start at boot" checked={autostart} onChange={(e) => setAutostart(e.currentTarget.checked)} />
            <Checkbox label="Start it now" checked={start} onChange={(e) => setStart(e.currentTarget.checked)} />
          </Group>
          <Checkbox label="Runtime only (files under /run, gone at reboot)" checked={runtime} onChange={(e) => setRuntime(e.currentTarget.checked)}
            description={host?.nixos ? 'This is a NixOS host: /etc is read-only, so a container made here lasts until reboot; the snippet below makes it permanent.' : undefined} />
          {host?.nixos && parsed.success && <NixSnippet text={createNixSnippet(parsed.data)} />}
          {op && create.isPending && (
            <Stack gap={4} role="status" aria-label="Progress">
              <Text fz="xs">{op.step ?? 'starting…'}</Text>
              <Progress value={(op.fraction ?? 0) * 100} animated={op.fraction === undefined} striped={op.fraction === undefined} aria-label="Creating" />
            </Stack>
          )}
          {error && (
            <Alert color="red" role="alert" title="Not created">
              {error.message}
              <NeedsAdmin code={error.code} />
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{create.isPending ? 'Close' : 'Cancel'}</Button>
            <Button type="submit" loading={create.isPending}>Create</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function NixSnippet({ text }: { text: string }) {
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text fz="sm" fw={500}>For configuration.nix</Text>
        <CopyButton value={text}>{({ copied, copy }) => <Button size="compact-xs" variant="default" onClick={copy}>{copied ? 'Copied' : 'Copy snippet'}</Button>}</CopyButton>
      </Group>
      <Code block role="figure" aria-label="Nix snippet">{text}</Code>
    </Stack>
  );
}
