// Dialogs for one image: clone, rename, read-only, size limit and removal. Each checks what it can
// before asking the host (errors next to the field), then runs an operation and waits for its end
// to show the host's answer; closing the dialog leaves the operation running (see Operations).
import { useState } from 'react';
import { Alert, Button, Checkbox, Group, List, Loader, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { formatBytes, ImageName, parseSize, sizeText, type Image } from '../../../shared/images';
import type { OpRequest } from '../../../shared/ops';
import { useHost } from '../transport/context';
import { NeedsAdmin } from '../access/AccessControl';
import { opFailure, runOp } from './hooks';

export type ImageDialogKind = 'clone' | 'rename' | 'readOnly' | 'limit' | 'remove';

/** Why `name` cannot be a new image's name, or undefined. */
export function newNameProblem(name: string, images: Image[]): string | undefined {
  const parsed = ImageName.safeParse(name);
  if (!parsed.success) return parsed.error.issues[0]?.message ?? 'not a valid name';
  if (images.some((i) => i.name === name)) return `an image named ${name} exists already`;
  return undefined;
}

export function ImageDialog({ kind, image, images, onClose }: { kind: ImageDialogKind; image: Image; images: Image[]; onClose(): void }) {
  const client = useHost();
  const [text, setText] = useState(kind === 'clone' ? `${image.name}-copy` : kind === 'rename' ? image.name : kind === 'limit' ? sizeText(image.limit) : '');
  const [readOnly, setReadOnly] = useState(false);
  const [touched, setTouched] = useState(false);
  const run = useMutation({
    mutationFn: async (req: OpRequest) => {
      const failure = opFailure(await runOp(client, req));
      if (failure) throw failure;
    },
    onSuccess: onClose,
  });

  const size = kind === 'limit' ? parseSize(text) : undefined;
  const fieldError = kind === 'clone' || kind === 'rename'
    ? (kind === 'rename' && text === image.name ? 'type a new name' : newNameProblem(text, images))
    : kind === 'limit' && typeof size === 'object' ? size.error
      : kind === 'remove' && text !== image.name ? `type ${image.name} to confirm` : undefined;

  const request = (): OpRequest => {
    switch (kind) {
      case 'clone': return { kind: 'image.clone', name: image.name, newName: text, readOnly };
      case 'rename': return { kind: 'image.rename', name: image.name, newName: text };
      case 'readOnly': return { kind: 'image.readOnly', name: image.name, readOnly: !image.readOnly };
      case 'limit': return { kind: 'image.limit', name: image.name, bytes: size as number };
      case 'remove': return { kind: 'image.remove', name: image.name, confirm: text };
    }
  };
  const submit = () => {
    setTouched(true);
    if (!fieldError) run.mutate(request());
  };
  const title = {
    clone: `Clone ${image.name}`, rename: `Rename ${image.name}`, limit: `Size limit of ${image.name}`, remove: `Remove ${image.name}?`,
    readOnly: image.readOnly ? `Make ${image.name} writable?` : `Make ${image.name} read-only?`,
  }[kind];
  const action = { clone: 'Clone', rename: 'Rename', limit: 'Set limit', remove: 'Remove', readOnly: image.readOnly ? 'Make writable' : 'Make read-only' }[kind];
  const error = run.error as (Error & { code?: string }) | null;

  return (
    <Modal opened onClose={onClose} title={title} closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <Stack>
          {(kind === 'clone' || kind === 'rename') && (
            <TextInput label="New name" data-autofocus value={text} onChange={(e) => { setText(e.currentTarget.value); setTouched(true); run.reset(); }}
              description="Letters, digits and -, with dots between parts (systemd's machine names)" error={touched ? fieldError : undefined} />
          )}
          {kind === 'clone' && (
            <>
              <Checkbox label="Read-only clone" checked={readOnly} onChange={(e) => setReadOnly(e.currentTarget.checked)} />
              <Text fz="xs">On btrfs a clone is a snapshot; elsewhere the whole tree is copied, which can take minutes. It shows in Operations.</Text>
            </>
          )}
          {kind === 'readOnly' && (
            <Text fz="sm">{image.readOnly ? 'Machines can then change the image again.' : 'A machine can then boot from it only ephemerally or read-only.'}</Text>
          )}
          {kind === 'limit' && (
            <TextInput label="Size limit" data-autofocus placeholder="10G" value={text} onChange={(e) => { setText(e.currentTarget.value); setTouched(true); run.reset(); }}
              description={`Now using ${formatBytes(image.usage)}. machined sets limits on btrfs subvolumes and raw images.`} error={touched ? fieldError : undefined} />
          )}
          {kind === 'remove' && <RemovalDetails image={image} text={text} setText={(t) => { setText(t); run.reset(); }} />}
          {error && (
            <Alert color="red" role="alert" title={`${action} failed`}>
              {error.message}
              <NeedsAdmin code={error.code} />
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{run.isPending ? 'Close' : 'Cancel'}</Button>
            <Button type="submit" color={kind === 'remove' ? 'red' : undefined} loading={run.isPending}
              disabled={kind === 'remove' && text !== image.name}>{action}</Button>
          </Group>
          {run.isPending && <Text fz="xs" role="status">Working… closing this dialog leaves it running (see Operations).</Text>}
        </Stack>
      </form>
    </Modal>
  );
}

function RemovalDetails({ image, text, setText }: { image: Image; text: string; setText(t: string): void }) {
  const client = useHost();
  const plan = useQuery({ queryKey: [client.id, 'removalPlan', image.name], queryFn: () => client.call('images.removalPlan', { name: image.name }), staleTime: 0 });
  return (
    <Stack gap="xs">
      <Text fz="sm">The image {image.name}{image.path ? ` at ${image.path}` : ''}{image.usage !== undefined ? ` (${formatBytes(image.usage)})` : ''} is deleted for good.</Text>
      {plan.isPending && <Group gap="xs" role="status"><Loader size="xs" /><Text fz="sm">Finding the files that go with it…</Text></Group>}
      {plan.error && <Alert color="red" role="alert" title="Could not tell what else would be removed">{(plan.error as Error).message}</Alert>}
      {plan.data?.running && <Alert color="orange" role="alert" title={`${image.name} is running`}>Stop the machine first; a running machine's image is not removed.</Alert>}
      {plan.data && (plan.data.files.length ? (
        <>
          <Text fz="sm">These files of the host go with it:</Text>
          <List size="sm" aria-label="Files removed with the image">{plan.data.files.map((f) => <List.Item key={f}>{f}</List.Item>)}</List>
        </>
      ) : <Text fz="sm">No .nspawn or network file of the host belongs to it.</Text>)}
      <TextInput label={`Type ${image.name} to confirm`} data-autofocus value={text} onChange={(e) => setText(e.currentTarget.value)} autoComplete="off" />
    </Stack>
  );
}
