// The Machines view: filter, bulk start/stop, failures with systemd's reason, confirm dialogs.
import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import { Alert, Button, Code, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { filterMachines, toggleTerm } from '../../../shared/machine';
import { ACTION_LABELS, DESTRUCTIVE, useAutostart, useHostStatus, useMachineAction, useMachines, type ActionFailure, type MachineAction } from './hooks';
import { MachineTable } from './MachineTable';
import { NewContainerButton } from './NewContainerDialog';
import { NeedsAdmin } from '../access/AccessControl';
import { useMetrics } from './metrics';
import { useHost } from '../transport/context';

let failureId = 1;

/** What a first look needs to know; dismissed once, for good (this browser). */
const GettingStarted = memo(function GettingStarted() {
  const { host } = useHostStatus();
  const [shown, setShown] = useState(() => localStorage.getItem('nsd.intro.dismissed') !== '1');
  if (!shown) return null;
  return (
    <Alert color="blue" variant="light" role="note" title="Getting started" withCloseButton closeButtonLabel="Dismiss getting started"
      onClose={() => { localStorage.setItem('nsd.intro.dismissed', '1'); setShown(false); }}>
      <Text fz="sm">
        Click a machine's name for its details: overview, resources, journal, network and settings. Shell opens a terminal tab;
        the + tab opens one with options (another user, a command, the login console). Press ? for keyboard shortcuts.
      </Text>
      {host?.kind === 'sandbox' && (
        <Text fz="sm" mt={4}>
          {host.label} is a test host: a systemd host in a container that this app started, with real machines (web, db, build) to try things on.
        </Text>
      )}
    </Alert>
  );
});

/** Buttons that add or remove a filter term; the text field shows what applies. */
const QUICK_FILTERS = [['Running', 'state:running'], ['Failed', 'state:failed'], ['Autostart', 'autostart:yes']] as const;

/** The filter field and its quick filters. The parts of this view that do not show the list are
 * memoised: a machine that appeared redrew them all (a third of the time to its row). */
const FilterBar = memo(function FilterBar({ filter, setFilter }: { filter: string; setFilter(f: string | ((f: string) => string)): void }) {
  return (
    <Group gap="xs">
      <TextInput aria-label="Filter machines" placeholder="Filter: name, OS, address, state:…" value={filter}
        onChange={(e) => setFilter(e.currentTarget.value)} w={320} />
      <Group gap={4} role="group" aria-label="Quick filters">
        {QUICK_FILTERS.map(([label, term]) => {
          const on = filter.toLowerCase().split(/\s+/).includes(term);
          return (
            <Button key={term} size="compact-sm" variant={on ? 'filled' : 'default'} aria-pressed={on}
              onClick={() => setFilter((f) => toggleTerm(f, term))}>{label}</Button>
          );
        })}
      </Group>
    </Group>
  );
});

type Confirm = { action: MachineAction; names: string[] };

const ConfirmAction = memo(function ConfirmAction({ confirm, onCancel, onRun }: { confirm: Confirm | null; onCancel(): void; onRun(c: Confirm): void }) {
  return (
    <Modal opened={!!confirm} onClose={onCancel}
      title={confirm ? `${ACTION_LABELS[confirm.action]} ${confirm.names.length === 1 ? confirm.names[0] : `${confirm.names.length} machines`}?` : ''}>
      {confirm && (
        <Stack>
          <Text fz="sm">{DESTRUCTIVE[confirm.action]}</Text>
          {confirm.names.length > 1 && <Text fz="sm">Machines: {confirm.names.join(', ')}</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onCancel}>Cancel</Button>
            <Button color={confirm.action === 'terminate' ? 'red' : 'orange'} onClick={() => onRun(confirm)} data-autofocus>
              {ACTION_LABELS[confirm.action]}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
});

export function MachinesPanel({ onOpenShell, onDetails }: { onOpenShell(name: string): void; onDetails(name: string): void }) {
  const machines = useMachines();
  const client = useHost();
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [failures, setFailures] = useState<ActionFailure[]>([]);
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const addFailure = (f: Omit<ActionFailure, 'id'>) => setFailures((fs) => [...fs.slice(-4), { ...f, id: failureId++ }]);
  const action = useMachineAction(addFailure);
  // A guest that dies seconds after a start that succeeded: said like a failed start.
  useEffect(() => client.on('machines.lateFailure', (f) => addFailure({
    title: `${f.name} failed ${Math.max(1, Math.round(f.afterMs / 1000))} s after it started`,
    message: `Its unit ended${f.result ? ` with result "${f.result}"` : ''}.`, details: f.details,
  })), [client]);
  const [notice, setNotice] = useState('');
  const autostart = useAutostart((f) => { setNotice(''); addFailure(f); }, setNotice);
  const [visible, setVisible] = useState<string[]>([]);
  // Reading `data` re-renders the list with each sample (react-query tracks what is read).
  void useMetrics(visible, 3000).data;

  const list = useMemo(() => filterMachines(machines.data ?? [], filter, client.id), [machines.data, filter, client.id]);
  const selectedNames = [...selected].filter((n) => list.some((m) => m.name === n));

  const request = (a: MachineAction, names: string[]) => {
    if (DESTRUCTIVE[a]) setConfirm({ action: a, names });
    else for (const name of names) action.mutate({ action: a, name });
  };
  const { mutate } = action;
  const run = useCallback((c: Confirm) => {
    for (const name of c.names) mutate({ action: c.action, name });
    setConfirm(null);
  }, [mutate]);
  const cancel = useCallback(() => setConfirm(null), []);

  return (
    <Stack gap="xs" style={{ flex: 1, minHeight: 0 }} p="sm">
      <Group justify="space-between">
        <FilterBar filter={filter} setFilter={setFilter} />
        <Group gap="xs">
          <Text fz="sm" c="dimmed" aria-live="polite">
            {machines.data ? `${list.length} of ${machines.data.length} machines` : machines.error ? 'Machines unknown' : 'Loading machines…'}
            {selectedNames.length ? ` · ${selectedNames.length} selected` : ''}
          </Text>
          {notice && <Text fz="sm" role="status">{notice}</Text>}
          <Button size="xs" variant="light" color="green" disabled={!selectedNames.length} onClick={() => request('start', selectedNames)}>Start selected</Button>
          <Button size="xs" variant="light" color="orange" disabled={!selectedNames.length} onClick={() => request('stop', selectedNames)}>Stop selected</Button>
          <NewContainerButton />
        </Group>
      </Group>
      <GettingStarted />
      {machines.error && (
        <Alert color="red" title="Could not list machines" role="alert">{(machines.error as Error).message}</Alert>
      )}
      {failures.map((f) => (
        <Alert key={f.id} color="red" title={f.title} role="alert" withCloseButton closeButtonLabel="Dismiss"
          onClose={() => setFailures((fs) => fs.filter((x) => x.id !== f.id))}>
          <Text fz="sm">{f.message}</Text>
          {f.details && f.details.length > 0 && (
            <Code block mt="xs" role="figure" aria-label="Last journal lines of the unit">{f.details.join('\n')}</Code>
          )}
          <NeedsAdmin code={f.code} />
        </Alert>
      ))}
      {/* No list is not an empty list: the table waits for one. */}
      {machines.data && (
        <MachineTable machines={list} filter={filter} selected={selected} onSelect={setSelected}
          onAction={(a, n) => request(a, [n])}
          onAutostart={(name, enabled) => {
            setNotice(`${enabled ? 'Enabling' : 'Disabling'} autostart of ${name}…`);
            autostart.mutate({ name, enabled });
          }}
          onOpenShell={onOpenShell} onDetails={onDetails} onVisible={setVisible} />
      )}
      <ConfirmAction confirm={confirm} onCancel={cancel} onRun={run} />
    </Stack>
  );
}
