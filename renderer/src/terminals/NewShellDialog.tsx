// "New shell" with options: machine, user (default root), optional command, or a login console.
import { useEffect, useState } from 'react';
import { Button, Group, Modal, SegmentedControl, Select, Stack, TextInput } from '@mantine/core';
import { UserName } from '../../../shared/names';
import type { ShellOptions } from './registry';
import { useRunningMachineNames } from '../machines/hooks';

/** Splits a command line into argv on whitespace, honouring simple quotes; never run by a shell. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

export function NewShellDialog({ opened, defaultMachine, onClose, onOpen }: {
  opened: boolean; defaultMachine?: string;
  onClose(): void; onOpen(machine: string, opts: ShellOptions): void;
}) {
  const [machine, setMachine] = useState<string | null>(null);
  const [mode, setMode] = useState<'shell' | 'login'>('shell');
  const [user, setUser] = useState('root');
  const [command, setCommand] = useState('');
  const machines = useRunningMachineNames();
  // The proposed machine when the dialog opens; later changes to the list keep the person's
  // choice unless that machine stops.
  useEffect(() => {
    if (opened) setMachine(defaultMachine && machines.includes(defaultMachine) ? defaultMachine : machines[0] ?? null);
  }, [opened, defaultMachine]);
  useEffect(() => {
    setMachine((m) => (m !== null && machines.includes(m) ? m : machines[0] ?? null));
  }, [machines]);
  const userError = mode === 'shell' && !UserName.safeParse(user).success ? 'Not a valid user name' : undefined;
  const submit = () => {
    if (!machine || userError) return;
    const argv = splitArgs(command);
    onOpen(machine, mode === 'login' ? { mode } : { mode, user, command: argv.length ? argv : undefined });
  };
  return (
    <Modal opened={opened} onClose={onClose} title="New shell">
      <form onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <Stack>
          <Select label="Machine" data={machines} value={machine} onChange={setMachine} allowDeselect={false}
            nothingFoundMessage="No running machine" />
          <SegmentedControl aria-label="Session type" value={mode} onChange={(v) => setMode(v as 'shell' | 'login')}
            data={[{ label: 'Shell (machinectl shell)', value: 'shell' }, { label: 'Login console', value: 'login' }]} />
          {mode === 'shell' && (
            <>
              <TextInput label="User" value={user} onChange={(e) => setUser(e.currentTarget.value)} error={userError} />
              <TextInput label="Command (optional)" placeholder="login shell" value={command}
                onChange={(e) => setCommand(e.currentTarget.value)} description="Runs instead of the login shell, e.g. /usr/bin/top" />
            </>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" disabled={!machine || !!userError}>Open</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
