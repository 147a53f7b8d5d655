// The Images view: machined's images of the shown host (size, limit, read-only, dates), what is
// being done to them now (progress, Cancel), and Clone / Rename / Read-only / Limit / Remove, Pull
// and Import, each through an operation of the host.
import { useState } from 'react';
import { Alert, Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import type { Image } from '../../../shared/images';
import { useOps } from '../ops/hooks';
import { OperationsList } from '../ops/OperationsPanel';
import { formatBytes, useImages } from './hooks';
import { ImageDialog, type ImageDialogKind } from './ImageDialogs';
import { TransferDialog, type TransferKind } from './TransferDialogs';

const date = (ms?: number) => (ms === undefined ? 'unknown' : new Date(ms).toLocaleString());

export function ImagesPanel() {
  const images = useImages();
  const ops = useOps();
  const [dialog, setDialog] = useState<{ kind: ImageDialogKind; image: Image } | null>(null);
  const [transfer, setTransfer] = useState<TransferKind | null>(null);
  const active = (ops.data ?? []).filter((o) => o.kind.startsWith('image.') && (o.state === 'running' || o.state === 'cancelling'));
  const recentFailures = (ops.data ?? []).filter((o) => o.kind.startsWith('image.') && o.state === 'failed').slice(0, 3);
  const list = [...(images.data ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <Stack gap="xs" p="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Group justify="space-between">
        <Text fz="sm" c="dimmed" aria-live="polite">
          {images.data ? `${list.length} images` : images.error ? 'Images unknown' : 'Loading images…'}
        </Text>
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={() => setTransfer('pull')}>Pull from URL…</Button>
          <Button size="xs" variant="default" onClick={() => setTransfer('import')}>Import file…</Button>
        </Group>
      </Group>
      {images.error && <Alert color="red" role="alert" title="Could not list images">{(images.error as Error).message}</Alert>}
      {active.length > 0 && <OperationsList ops={active} error={null} label="Image operations running" />}
      {recentFailures.map((o) => (
        <Alert key={o.id} color="red" role="alert" title={`${o.title} failed`}>{o.error?.message}</Alert>
      ))}
      <Table striped highlightOnHover aria-label="Images" layout="auto">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th><Table.Th>Type</Table.Th><Table.Th>Access</Table.Th><Table.Th>Usage</Table.Th>
            <Table.Th>Limit</Table.Th><Table.Th>Created</Table.Th><Table.Th>Modified</Table.Th><Table.Th>Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {list.map((img) => (
            <Table.Tr key={img.name}>
              <Table.Td><Text fw={600} fz="sm">{img.name}</Text></Table.Td>
              <Table.Td>{img.type}</Table.Td>
              <Table.Td>{img.readOnly ? <Badge variant="light" color="gray">read-only</Badge> : 'writable'}</Table.Td>
              <Table.Td>{formatBytes(img.usage)}</Table.Td>
              <Table.Td>{img.limit === undefined ? 'none or unknown' : formatBytes(img.limit)}</Table.Td>
              <Table.Td>{date(img.createdAt)}</Table.Td>
              <Table.Td>{date(img.modifiedAt)}</Table.Td>
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  {(['clone', 'rename', 'readOnly', 'limit', 'remove'] as const).map((k) => (
                    <Button key={k} size="compact-xs" variant={k === 'remove' ? 'light' : 'default'} color={k === 'remove' ? 'red' : undefined}
                      aria-label={`${LABELS[k](img)} ${img.name}`} onClick={() => setDialog({ kind: k, image: img })}>
                      {LABELS[k](img)}
                    </Button>
                  ))}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {dialog && <ImageDialog kind={dialog.kind} image={dialog.image} images={list} onClose={() => setDialog(null)} />}
      {transfer && <TransferDialog kind={transfer} images={list} onClose={() => setTransfer(null)} />}
    </Stack>
  );
}

const LABELS: Record<ImageDialogKind, (img: Image) => string> = {
  clone: () => 'Clone',
  rename: () => 'Rename',
  readOnly: (img) => (img.readOnly ? 'Make writable' : 'Make read-only'),
  limit: () => 'Limit',
  remove: () => 'Remove',
};
