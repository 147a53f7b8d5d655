// Adding an SSH host, and what a host that is not connected offers: why (in the hub's words),
// Retry now, and Remove for a host added in the app.
import { useState } from 'react';
import { Alert, Button, Checkbox, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { HostEntry, HostInfo } from '../../../shared/contract';
import { useClient, useHost } from '../transport/context';

export function AddHostButton({ onAdded }: { onAdded(id: string): void }) {
  const client = useClient();
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState('');
  const [nixNode, setNixNode] = useState(false);
  const add = useMutation({
    mutationFn: (t: string) => client.addHost(t, nixNode),
    onSuccess: (entry) => {
      setOpen(false);
      setTarget('');
      setNixNode(false);
      onAdded(entry.id);
    },
  });
  const close = () => {
    setOpen(false);
    add.reset();
  };
  return (
    <>
      <Button size="xs" variant="default" onClick={() => setOpen(true)}>Add host</Button>
      <Modal opened={open} onClose={close} title="Add an SSH host" closeButtonProps={{ 'aria-label': 'Close' }}>
        <form onSubmit={(e) => { e.preventDefault(); if (target.trim()) add.mutate(target.trim()); }}>
          <Stack>
            <TextInput label="SSH host" data-autofocus placeholder="admin@server1, server1:2222 or an alias from ~/.ssh/config"
              description="Connects with your ssh: its config, keys, agent and known hosts. Saved for next time (no secrets)."
              value={target} onChange={(e) => { setTarget(e.currentTarget.value); add.reset(); }}
              error={add.error ? (add.error as Error).message : undefined} />
            <Checkbox label="If the host has no node, let Nix provide it (nixpkgs#nodejs)"
              description="For NixOS servers without Node.js: runs nix shell nixpkgs#nodejs there, which may download it."
              checked={nixNode} onChange={(e) => setNixNode(e.currentTarget.checked)} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>Cancel</Button>
              <Button type="submit" loading={add.isPending} disabled={!target.trim()}>Add</Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}

/** The shown host is not connected: the reason, Retry now, and Remove where it was added in the app. */
export function HostDown({ host, entry, onRemoved }: { host: HostInfo; entry?: HostEntry; onRemoved(): void }) {
  const client = useHost();
  const retry = useMutation({ mutationFn: () => client.hub('hub.reconnect') });
  const title = host.kind === 'ssh' ? `Not connected to ${host.label}` : 'Not connected to the system bus';
  return (
    <Alert color="red" role="alert" title={title} m="sm" mb={0}>
      <Text fz="sm">{host.error ?? 'Trying to reconnect…'}</Text>
      {host.kind !== 'ssh' && <Text fz="sm">The list updates by itself once the bus is back.</Text>}
      <Group gap="xs" mt="xs">
        <Button size="xs" variant="light" loading={retry.isPending} onClick={() => retry.mutate()}>Retry now</Button>
        {entry?.removable && <RemoveHostButton label={host.label} onRemoved={onRemoved} />}
      </Group>
      {retry.error && <Text fz="sm" role="alert">{(retry.error as Error).message}</Text>}
    </Alert>
  );
}

/** Remove (after a confirmation) the host of the surrounding HostProvider, added in the app. */
export function RemoveHostButton({ label, compact, onRemoved }: { label: string; compact?: boolean; onRemoved?(): void }) {
  const client = useHost();
  const [confirm, setConfirm] = useState(false);
  const remove = useMutation({ mutationFn: () => client.hub('hub.removeHost'), onSuccess: () => onRemoved?.() });
  return (
    <>
      <Button size={compact ? 'compact-xs' : 'xs'} variant="default" onClick={() => setConfirm(true)} aria-label={compact ? `Remove ${label}` : undefined}>
        {compact ? 'Remove' : 'Remove host'}
      </Button>
      <Modal opened={confirm} onClose={() => setConfirm(false)} title={`Remove ${label}?`} closeButtonProps={{ 'aria-label': 'Close' }}>
        <Stack>
          <Text fz="sm">The app stops connecting to it and forgets it; its open shell tabs end. Nothing on the host changes.</Text>
          {remove.error && <Text fz="sm" role="alert">{(remove.error as Error).message}</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(false)}>Cancel</Button>
            <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>Remove</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
