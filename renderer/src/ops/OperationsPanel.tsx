// The header's Operations button and drawer: what the host is doing now (with progress and
// Cancel), and what it did recently, with the reason when something failed.
import { useState } from 'react';
import { Alert, Badge, Button, Code, Drawer, Group, Progress, Stack, Text } from '@mantine/core';
import type { Op } from '../../../shared/ops';
import { useCancelOp, useOps } from './hooks';

const STATE_COLOR: Record<Op['state'], string> = { running: 'blue', cancelling: 'orange', done: 'green', failed: 'red', cancelled: 'gray' };

export function OperationsButton() {
  const ops = useOps();
  const [open, setOpen] = useState(false);
  // Failures that ended since the drawer was last opened: the header says so until it is looked at.
  const [seenAt, setSeenAt] = useState(() => Date.now());
  const running = (ops.data ?? []).filter((o) => o.state === 'running' || o.state === 'cancelling').length;
  const failed = (ops.data ?? []).filter((o) => o.state === 'failed' && (o.endedAt ?? 0) > seenAt).length;
  const label = ['Operations', running ? `${running} running` : '', failed ? `${failed} failed` : ''].filter(Boolean).join(', ');
  return (
    <>
      <Button size="xs" variant="default" onClick={() => { setOpen(true); setSeenAt(Date.now()); }} aria-haspopup="dialog"
        rightSection={running || failed ? (
          <Group gap={2} aria-hidden>
            {running > 0 && <Badge size="xs" circle>{running}</Badge>}
            {failed > 0 && <Badge size="xs" circle color="red">{failed}</Badge>}
          </Group>
        ) : undefined}
        aria-label={label}>
        Operations
      </Button>
      <Drawer opened={open} onClose={() => setOpen(false)} position="right" title="Operations" closeButtonProps={{ 'aria-label': 'Close operations' }}>
        <OperationsList ops={ops.data} error={ops.error as Error | null} />
      </Drawer>
    </>
  );
}

export function OperationsList({ ops, error, label = 'Operations' }: { ops?: Op[]; error: Error | null; label?: string }) {
  const cancel = useCancelOp();
  if (error) return <Alert color="red" role="alert" title="Cannot list operations">{error.message}</Alert>;
  if (!ops) return <Text c="dimmed" role="status">Loading…</Text>;
  if (!ops.length) return <Text c="dimmed">Nothing has run on this host since its agent started.</Text>;
  return (
    <Stack gap="sm" role="list" aria-label={label}>
      {ops.map((op) => (
        <Stack key={op.id} gap={4} role="listitem" aria-label={op.title} p="xs"
          style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 6 }}>
          <Group justify="space-between" wrap="nowrap">
            <Text fw={600} fz="sm">{op.title}</Text>
            <Badge color={STATE_COLOR[op.state]} variant="light" role="group" aria-label={`State: ${op.state}`}>{op.state}</Badge>
          </Group>
          {op.step && op.state === 'running' && <Text fz="xs" c="dimmed">{op.step}</Text>}
          {(op.state === 'running' || op.state === 'cancelling') && (
            op.fraction !== undefined
              ? <Progress value={op.fraction * 100} aria-label={`${op.title} progress`} />
              : <Progress value={100} striped animated aria-label={`${op.title}: in progress`} />
          )}
          {op.error && op.state === 'failed' && (
            <>
              <Text fz="xs" c="red.8">{op.error.message}</Text>
              {op.error.details?.length ? <Code block fz="xs">{op.error.details.join('\n')}</Code> : null}
            </>
          )}
          <Group justify="space-between">
            <Text fz="xs" c="dimmed">{new Date(op.startedAt).toLocaleTimeString()}{op.endedAt ? ` · ${((op.endedAt - op.startedAt) / 1000).toFixed(1)} s` : ''}</Text>
            {op.cancellable && op.state === 'running' && (
              <Button size="compact-xs" variant="light" color="orange" aria-label={`Cancel ${op.title}`}
                loading={cancel.isPending && cancel.variables === op.id} onClick={() => cancel.mutate(op.id)}>Cancel</Button>
            )}
          </Group>
          {cancel.error && cancel.variables === op.id && <Text fz="xs" c="red.8" role="alert">{(cancel.error as Error).message}</Text>}
        </Stack>
      ))}
    </Stack>
  );
}
