// Limited or administrative access to the shown host, as Cockpit shows it: a badge with the truth
// the agent reports (it runs as root or not), and Unlock / Lock where the hub can switch.
import { useState } from 'react';
import { Alert, Badge, Button, Group } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { HostEntry } from '../../../shared/contract';
import { useHost } from '../transport/context';
import { useHostStatus } from '../machines/hooks';

export function useUnlock() {
  const client = useHost();
  return useMutation({ mutationFn: () => client.hub('hub.unlock') });
}

export function AccessControl({ entry }: { entry?: HostEntry }) {
  const { host } = useHostStatus();
  const client = useHost();
  const unlock = useUnlock();
  const lock = useMutation({ mutationFn: () => client.hub('hub.lock') });
  const access = host?.access;
  return (
    <Group gap={6} wrap="nowrap">
      <Badge variant="light" color={access === 'admin' ? 'orange' : 'gray'} role="group" aria-label="Access">
        {access === 'admin' ? 'Administrative access' : access === 'limited' ? 'Limited access' : 'Access unknown'}
      </Badge>
      {entry?.canUnlock && !entry.unlocked && access === 'limited' && (
        <Button size="xs" variant="default" loading={unlock.isPending} onClick={() => unlock.mutate()}
          title="Run this host's agent as root for this session (polkit asks once)">Unlock</Button>
      )}
      {entry?.unlocked && (
        <Button size="xs" variant="default" loading={lock.isPending} onClick={() => lock.mutate()}>Lock</Button>
      )}
      {unlock.error && <UnlockRefused message={(unlock.error as Error).message} onClose={() => unlock.reset()} />}
    </Group>
  );
}

function UnlockRefused({ message, onClose }: { message: string; onClose(): void }) {
  const [open, setOpen] = useState(true);
  if (!open) return null;
  return (
    <Alert color="red" role="alert" title="Still limited access" withCloseButton closeButtonLabel="Dismiss" p="xs"
      style={{ position: 'fixed', top: 56, right: 12, zIndex: 300, maxWidth: 420 }}
      onClose={() => { setOpen(false); onClose(); }}>
      {message}
    </Alert>
  );
}

/** Shown with a refusal that administrative access would lift (a permission_denied). */
export function NeedsAdmin({ code }: { code?: string }) {
  const { host } = useHostStatus();
  const unlock = useUnlock();
  if (code !== 'permission_denied' || host?.access !== 'limited') return null;
  return (
    <Group gap="xs" mt="xs">
      <Button size="xs" variant="light" loading={unlock.isPending} onClick={() => unlock.mutate()}>Unlock administrative access</Button>
      {unlock.error && <span role="alert">{(unlock.error as Error).message}</span>}
    </Group>
  );
}
