// ssh's questions while it connects to a host (a password, a key's passphrase), one at a time.
// The answer goes to that ssh process once; this window keeps nothing.
import { useEffect, useState } from 'react';
import { Button, Group, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import type { HostEntry } from '../../../shared/contract';
import { useClient } from '../transport/context';

interface Asked { id: number; host: string; prompt: string }

export function SshPrompts({ hosts }: { hosts: HostEntry[] }) {
  const client = useClient();
  const [asked, setAsked] = useState<Asked[]>([]);
  const [answer, setAnswer] = useState('');
  const [error, setError] = useState<string>();
  useEffect(() => {
    const offAsk = client.on('hub.prompt', ({ id, prompt }, host) => {
      if (host) setAsked((a) => (a.some((x) => x.id === id) ? a : [...a, { id, host, prompt }]));
    });
    const offDone = client.on('hub.promptDone', ({ id }) => setAsked((a) => a.filter((x) => x.id !== id)));
    return () => {
      offAsk();
      offDone();
    };
  }, [client]);
  const current = asked[0];
  const send = (value: string | undefined) => {
    if (!current) return;
    setAnswer('');
    setError(undefined);
    client.answerPrompt(current.host, current.id, value).catch((e: Error) => setError(e.message));
    setAsked((a) => a.slice(1));
  };
  const label = hosts.find((h) => h.id === current?.host)?.label ?? current?.host;
  return (
    <Modal opened={!!current} onClose={() => send(undefined)} title={`ssh asks, for ${label ?? 'a host'}`} closeButtonProps={{ 'aria-label': 'Close (cancels the question)' }}>
      <form onSubmit={(e) => { e.preventDefault(); send(answer); }}>
        <Stack>
          <PasswordInput label={current?.prompt.trim() || 'Answer'} data-autofocus autoComplete="off" value={answer}
            onChange={(e) => setAnswer(e.currentTarget.value)} />
          <Text fz="xs" c="dimmed">Sent to ssh for this connection only, never stored.</Text>
          {error && <Text fz="sm" role="alert">{error}</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => send(undefined)}>Cancel</Button>
            <Button type="submit">Send</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
