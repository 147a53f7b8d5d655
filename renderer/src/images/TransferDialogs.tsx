// Pull an image from a URL, or import one from a file or directory on the host. The form checks
// what it can (errors next to the field); the transfer then runs as an operation of the host,
// shown with its progress and Cancel at the top of the Images view, and survives a reload.
import { useState } from 'react';
import { Alert, Button, Checkbox, Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { HostPath, PullUrl, type Image } from '../../../shared/images';
import type { OpRequest } from '../../../shared/ops';
import { useHost } from '../transport/context';
import { NeedsAdmin } from '../access/AccessControl';
import { runOp } from './hooks';
import { newNameProblem } from './ImageDialogs';

export type TransferKind = 'pull' | 'import';

const RAW = /\.(raw|img|qcow2)(\.(xz|gz|bz2|zst))?$/i;
/** A name from the last part of a URL or path: "debian-12.tar.xz" → "debian-12". */
export function suggestName(source: string): string {
  const base = source.split(/[?#]/)[0].split('/').filter(Boolean).pop() ?? '';
  return base.replace(/\.(tar|raw|img|qcow2|xz|gz|bz2|zst|tgz)$/gi, '').replace(/\.(tar|raw|img|qcow2)$/i, '').replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 64);
}

export function TransferDialog({ kind, images, onClose }: { kind: TransferKind; images: Image[]; onClose(): void }) {
  const client = useHost();
  const [source, setSource] = useState('');
  const [name, setName] = useState('');
  const [nameEdited, setNameEdited] = useState(false);
  const [format, setFormat] = useState<string>('tar');
  const [verify, setVerify] = useState<string>('signature');
  const [readOnly, setReadOnly] = useState(false);
  const [force, setForce] = useState(false);
  const [touched, setTouched] = useState(false);
  const start = useMutation({
    // Answered once the host has the operation; its progress is followed in the Images view.
    mutationFn: (req: OpRequest) => new Promise<void>((resolve, reject) => {
      runOp(client, req, () => resolve()).catch(reject);
    }),
    onSuccess: onClose,
  });

  const sourceSchema = kind === 'pull' ? PullUrl : HostPath;
  const checked = sourceSchema.safeParse(source.trim());
  const sourceError = source.trim() ? (checked.success ? undefined : checked.error.issues[0]?.message) : (kind === 'pull' ? 'a URL to pull from' : 'a path on the host');
  const clash = images.some((i) => i.name === name);
  const nameError = clash && force ? undefined : newNameProblem(name, images);
  const onSource = (v: string) => {
    setSource(v);
    start.reset();
    if (!nameEdited) setName(suggestName(v));
    if (RAW.test(v.split(/[?#]/)[0])) setFormat('raw');
    else if (/\.t(ar|gz)\b/i.test(v)) setFormat('tar');
  };
  const submit = () => {
    setTouched(true);
    if (sourceError || nameError) return;
    start.mutate(kind === 'pull'
      ? { kind: 'image.pull', url: source.trim(), name, format: format as 'tar' | 'raw', verify: verify as 'no' | 'checksum' | 'signature', force }
      : { kind: 'image.import', path: source.trim(), name, format: format as 'tar' | 'raw' | 'directory', readOnly, force });
  };
  const error = start.error as (Error & { code?: string }) | null;

  return (
    <Modal opened onClose={onClose} title={kind === 'pull' ? 'Pull an image from a URL' : 'Import an image from the host'} closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <Stack>
          <TextInput label={kind === 'pull' ? 'URL' : 'File or directory on the host'} data-autofocus value={source}
            placeholder={kind === 'pull' ? 'https://example.org/images/debian-12.tar.xz' : '/srv/images/debian-12.tar'}
            description={kind === 'pull' ? 'systemd-importd downloads it on the host' : 'A path on the managed host (not this computer), read as root'}
            onChange={(e) => onSource(e.currentTarget.value)} error={touched ? sourceError : undefined} />
          <TextInput label="Image name" value={name} onChange={(e) => { setName(e.currentTarget.value); setNameEdited(true); start.reset(); }}
            error={touched || name ? nameError : undefined} />
          <Select label="Format" allowDeselect={false} value={format} onChange={(v) => v && setFormat(v)}
            data={[{ value: 'tar', label: 'tar archive (.tar, .tar.xz, …)' }, { value: 'raw', label: 'disk image (.raw, .qcow2, …)' },
              ...(kind === 'import' ? [{ value: 'directory', label: 'directory tree' }] : [])]} />
          {kind === 'pull' && (
            <Select label="Verification" allowDeselect={false} value={verify} onChange={(v) => v && setVerify(v)}
              description="signature: SHA256SUMS signed with a key the host trusts; checksum: SHA256SUMS only"
              data={[{ value: 'signature', label: 'signature' }, { value: 'checksum', label: 'checksum' }, { value: 'no', label: 'none (trust the download)' }]} />
          )}
          {kind === 'import' && <Checkbox label="Read-only image" checked={readOnly} onChange={(e) => setReadOnly(e.currentTarget.checked)} />}
          <Checkbox label={`Replace an existing image named ${name || '…'}`} checked={force} onChange={(e) => setForce(e.currentTarget.checked)} />
          {error && (
            <Alert color="red" role="alert" title={kind === 'pull' ? 'Pull not started' : 'Import not started'}>
              {error.message}
              <NeedsAdmin code={error.code} />
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={start.isPending}>{kind === 'pull' ? 'Pull' : 'Import'}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
