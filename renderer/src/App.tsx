// Layout: header with the host picker and its status, a tab strip (machine list + terminal tabs of
// every host), keyboard shortcuts. The views below the header show the chosen host.
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { AppShell, Badge, Group, Select, Tabs, Text, Title, Alert, Loader } from '@mantine/core';
import type { HostEntry } from '../../shared/contract';
import type { Machine } from '../../shared/machine';
import { HostProvider, useClient, useHost } from './transport/context';
import { useHostStatus, useMachinesSelect, useStoppedMachineNames } from './machines/hooks';
import { MachinesPanel } from './machines/MachinesPanel';
import { MachineDetails } from './machines/MachineDetails';
import { IMAGES_TAB, MACHINES_TAB, TerminalRegistry } from './terminals/registry';
import { ImagesPanel } from './images/ImagesPanel';
import { shortcutOf } from './keyboard/shortcuts';
import { ShortcutsButton, ShortcutsHelp } from './keyboard/ShortcutsHelp';
import { TerminalView } from './terminals/TerminalView';
import { NewShellDialog } from './terminals/NewShellDialog';
import { OperationsButton } from './ops/OperationsPanel';
import { AccessControl } from './access/AccessControl';
import { HostDown } from './hosts/HostControls';
import { HostsButton } from './hosts/HostsDrawer';
import { SshPrompts } from './hosts/SshPrompt';
import { AllHostsPanel } from './hosts/AllHostsPanel';
import { DisplaySettingsButton } from './ui/DisplaySettings';

const HOST_KEY = 'nsd.host';
const ALL_HOSTS = '__all';

/** The hub's hosts, as it announced them; the chosen one is remembered for this browser tab. */
function useHosts(): { hosts: HostEntry[]; selected?: string; select(id: string): void } {
  const client = useClient();
  const [hosts, setHosts] = useState(client.hosts);
  const [chosen, setChosen] = useState(() => sessionStorage.getItem(HOST_KEY) ?? undefined);
  useEffect(() => {
    setHosts(client.hosts);
    return client.on('hub.hosts', (list) => setHosts(list));
  }, [client]);
  const selected = hosts.some((h) => h.id === chosen) ? chosen : hosts[0]?.id;
  return {
    hosts, selected,
    select: (id) => {
      sessionStorage.setItem(HOST_KEY, id);
      setChosen(id);
    },
  };
}

export function App() {
  const client = useClient();
  const registry = useMemo(() => new TerminalRegistry(client), [client]);
  // Shells survive a reload: re-attach the ones this browser tab had open.
  useEffect(() => registry.persistIn(sessionStorage), [registry]);
  const { hosts, selected, select } = useHosts();
  if (!selected) {
    return <main style={{ padding: 32 }}><Group><Loader size="sm" /><Text role="status">Connecting to the hub…</Text></Group></main>;
  }
  return (
    <HostProvider host={client.host(selected)}>
      <HostView registry={registry} hosts={hosts} onSelectHost={select} />
    </HostProvider>
  );
}

const anyRunning = (list: Machine[]) => list.some((m) => m.state === 'running');

/** A machine that stopped ends its tabs (usually the pty exit already said so). A component of its
 * own, so that a change to which machines are stopped redraws nothing else. */
function EndTabsOfStoppedMachines({ registry, hostId }: { registry: TerminalRegistry; hostId: string }) {
  const stoppedNames = useStoppedMachineNames();
  useEffect(() => {
    for (const name of stoppedNames) registry.machineStopped(hostId, name);
  }, [stoppedNames, registry, hostId]);
  return null;
}

function HostView({ registry, hosts, onSelectHost }: { registry: TerminalRegistry; hosts: HostEntry[]; onSelectHost(id: string): void }) {
  const hostId = useHost().id;
  // "All hosts" in the picker: one list of every host's machines (the header still follows hostId).
  const [allHosts, setAllHosts] = useState(() => sessionStorage.getItem(ALL_HOSTS) === '1');
  const showAll = allHosts && hosts.length > 1;
  const chooseAll = (on: boolean) => {
    sessionStorage.setItem(ALL_HOSTS, on ? '1' : '0');
    setAllHosts(on);
  };
  const snap = useSyncExternalStore(registry.subscribe, registry.getSnapshot);
  const { host, linkUp, linkProblem } = useHostStatus();
  // Only what this view shows of the list: it redraws when that changes (a machine that appears
  // redrew the header, the tabs and every dialog: 9–17 ms a MachineNew), not with every row.
  const canOpenShell = useMachinesSelect(anyRunning) ?? false;
  const [focusMachine, setFocusMachine] = useState<string | undefined>();
  const [newShell, setNewShell] = useState(false);
  const [help, setHelp] = useState(false);
  const [details, setDetails] = useState<string | undefined>();
  const [screenReader, setScreenReader] = useState(() => localStorage.getItem('nsd.screenReader') === '1');
  useEffect(() => {
    registry.setScreenReader(screenReader);
    localStorage.setItem('nsd.screenReader', screenReader ? '1' : '0');
  }, [registry, screenReader]);

  // All hosts has no Images view of its own: the machine list takes its place.
  useEffect(() => {
    if (showAll && snap.active === IMAGES_TAB) registry.activate(MACHINES_TAB);
  }, [showAll, snap.active, registry]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const inText = !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
      const action = shortcutOf(e, inText);
      if (!action) return;
      e.preventDefault();
      if (action === 'newShell') setNewShell(true);
      else if (action === 'closeTab') {
        if (snap.active !== MACHINES_TAB && snap.active !== IMAGES_TAB) void registry.close(snap.active);
      } else if (action === 'nextTab' || action === 'prevTab') registry.cycle(action === 'nextTab' ? 1 : -1);
      else if (action === 'help') setHelp(true);
      else document.querySelector<HTMLElement>('[aria-label="Views and terminals"] [role="tab"][aria-selected="true"]')?.focus();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [registry, snap.active]);

  const activeTab = snap.tabs.find((t) => t.key === snap.active);
  const connected = linkUp && host?.connected;
  const detailsMachine = useMachinesSelect(useCallback((list: Machine[]) => list.find((m) => m.name === details), [details]));

  return (
    <AppShell header={{ height: 52 }} padding={0}>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <img src="./icon.svg" alt="" width={26} height={26} />
            <Title order={1} fz="lg" className="nsd-app-title">nspawn desktop</Title>
          </Group>
          <Group gap="md">
            {!showAll && <AccessControl entry={hosts.find((h) => h.id === hostId)} />}
            <OperationsButton />
            {hosts.length > 1 ? (
              <Select size="xs" label="Host" aria-label="Host" w={200} allowDeselect={false} value={showAll ? ALL_HOSTS : hostId}
                data={[{ value: ALL_HOSTS, label: 'All hosts' }, ...hosts.map((h) => ({ value: h.id, label: h.label }))]}
                onChange={(v) => {
                  if (!v) return;
                  chooseAll(v === ALL_HOSTS);
                  if (v !== ALL_HOSTS) onSelectHost(v);
                }}
                styles={{ root: { display: 'flex', alignItems: 'center', gap: 8 } }} />
            ) : (
              <Text fz="sm" c="dimmed" title={host?.kind === 'sandbox' ? 'A systemd host in a container that this app runs for trying it out; its machines are real' : undefined}>
                {host ? (host.kind === 'sandbox' ? `${host.label} (test host)` : host.label) : '…'}
              </Text>
            )}
            <HostsButton hosts={hosts} shown={hostId} onShow={onSelectHost} />
            <DisplaySettingsButton screenReader={screenReader} onScreenReader={setScreenReader} />
            <ShortcutsButton onOpen={() => setHelp(true)} />
            <Badge color={connected ? 'green' : 'red'} variant="dot" role="status" aria-label="Connection">
              {!linkUp ? 'backend offline' : connected ? 'connected' : !host ? 'connecting…' : host.kind === 'ssh' ? 'disconnected' : 'bus disconnected'}
            </Badge>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main style={{ display: 'flex', flexDirection: 'column', height: '100dvh' }}>
        {linkUp && host && !host.connected && !showAll && (
          <HostDown host={host} entry={hosts.find((h) => h.id === hostId)} onRemoved={() => onSelectHost(hosts.find((h) => h.id !== hostId)?.id ?? '')} />
        )}
        {linkUp && host?.connected && host.warning && (
          <Alert color="yellow" role="alert" title={`${host.label}: not everything is running`} m="sm" mb={0}>{host.warning}</Alert>
        )}
        {!linkUp && (
          <Alert color="red" role="alert" title="Backend unreachable" m="sm" mb={0}>{linkProblem ?? 'Reconnecting to the backend…'}</Alert>
        )}
        <Tabs value={snap.active} onChange={(v) => v && v !== '__new' && registry.activate(v)} keepMounted={false}
          style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0 }}>
          <Tabs.List aria-label="Views and terminals" px="sm">
            <Tabs.Tab value={MACHINES_TAB}>Machines</Tabs.Tab>
            {!showAll && <Tabs.Tab value={IMAGES_TAB}>Images</Tabs.Tab>}
            {snap.tabs.map((t) => (
              <Tabs.Tab key={t.key} value={t.key} c={t.status === 'ended' ? 'dimmed' : undefined}
                leftSection={<span aria-hidden style={{ color: t.status === 'open' ? 'var(--mantine-color-green-6)' : 'var(--mantine-color-gray-6)' }}>●</span>}>
                {hosts.length > 1 ? `${labelOf(hosts, t.host)}: ` : ''}{t.title}{t.status === 'ended' ? ' (ended)' : ''}
              </Tabs.Tab>
            ))}
            <Tabs.Tab value="__new" disabled={!canOpenShell} onClick={(e) => { e.preventDefault(); setNewShell(true); }}
              aria-label="New shell tab">+</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value={MACHINES_TAB} style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0 }}>
            {details ? (
              <MachineDetails name={details} machine={detailsMachine} onBack={() => setDetails(undefined)} />
            ) : showAll ? (
              <AllHostsPanel hosts={hosts} onOpenShell={(h, name) => registry.open(h, name)}
                onDetails={(h, name) => { chooseAll(false); onSelectHost(h); setFocusMachine(name); setDetails(name); }} />
            ) : (
              <MachinesPanel onOpenShell={(name) => registry.open(hostId, name)} onDetails={(name) => { setFocusMachine(name); setDetails(name); }} />
            )}
          </Tabs.Panel>
          {!showAll && (
            <Tabs.Panel value={IMAGES_TAB} style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0 }}>
              <ImagesPanel />
            </Tabs.Panel>
          )}
          {activeTab && (
            <Tabs.Panel value={activeTab.key} style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0 }}>
              <TerminalView key={activeTab.key} tab={activeTab} registry={registry} />
            </Tabs.Panel>
          )}
        </Tabs>
      </AppShell.Main>
      <SshPrompts hosts={hosts} />
      <ShortcutsHelp opened={help} onClose={() => setHelp(false)} />
      <EndTabsOfStoppedMachines registry={registry} hostId={hostId} />
      <NewShellDialog opened={newShell} defaultMachine={activeTab?.machine ?? details ?? focusMachine}
        onClose={() => setNewShell(false)}
        onOpen={(machine, opts) => { registry.open(hostId, machine, opts); setNewShell(false); }} />
    </AppShell>
  );
}

function labelOf(hosts: HostEntry[], id: string): string {
  return hosts.find((h) => h.id === id)?.label ?? id;
}
