// The machine list: sortable, filterable, virtualized (1000s of rows), multi-select.
import { memo, useMemo, useRef, useState, useEffect, useSyncExternalStore } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { ActionIcon, Badge, Button, Checkbox, CopyButton, Group, Loader, Menu, Switch, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { compareMachines, formatUptime, type Machine, type SortKey } from '../../../shared/machine';
import type { MachineAction } from './hooks';
import { derived, formatBytes } from './metrics';
import { useHost } from '../transport/context';

export const STATE_COLORS: Record<Machine['state'], string> = {
  running: 'green', starting: 'blue', stopping: 'orange', stopped: 'gray', failed: 'red',
};
const ROW_HEIGHT = 44;

export interface MachineTableProps {
  machines: Machine[];
  filter: string;
  selected: Set<string>;
  onSelect(next: Set<string>): void;
  onAction(action: MachineAction, name: string): void;
  onAutostart(name: string, enabled: boolean): void;
  onOpenShell(name: string): void;
  onDetails(name: string): void;
  /** Running machines currently on screen (their resources are sampled). */
  onVisible?(names: string[]): void;
}

/** One clock a second for every uptime on screen: they redraw together, and only they. */
const clock = { now: Date.now(), fns: new Set<() => void>(), timer: undefined as ReturnType<typeof setInterval> | undefined };
function subscribeClock(fn: () => void): () => void {
  clock.fns.add(fn);
  if (!clock.timer) {
    clock.now = Date.now();
    clock.timer = setInterval(() => {
      clock.now = Date.now();
      for (const f of clock.fns) f();
    }, 1000);
  }
  return () => {
    clock.fns.delete(fn);
    if (!clock.fns.size) {
      clearInterval(clock.timer);
      clock.timer = undefined;
    }
  };
}

/** A running machine's uptime, the only part of a row that changes every second: a whole row
 * (its checkbox, tooltip and menu) redrawn each second for every running machine on screen made
 * a task of 5–15 ms that a list change could wait behind. */
function Uptime({ since }: { since?: number }) {
  // Before the clock runs (nothing on screen subscribed yet), the time to the second.
  const now = useSyncExternalStore(subscribeClock, () => (clock.timer ? clock.now : Math.floor(Date.now() / 1000) * 1000));
  return <>{formatUptime(since, now)}</>;
}

function SortHeader({ label, k, sort, setSort }: { label: string; k: SortKey; sort: { key: SortKey; desc: boolean }; setSort(s: { key: SortKey; desc: boolean }): void }) {
  const active = sort.key === k;
  return (
    <th aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <UnstyledButton onClick={() => setSort({ key: k, desc: active ? !sort.desc : false })} fw={600} fz="sm">
        {label} {active ? (sort.desc ? '▾' : '▴') : ''}
      </UnstyledButton>
    </th>
  );
}

export function MachineTable(p: MachineTableProps) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'name', desc: false });
  const rows = useMemo(() => {
    // The list comes in name order: sorting 10,000 rows by name again cost ~40 ms a change.
    const s = sort.key === 'name' ? [...p.machines] : [...p.machines].sort((a, b) => compareMachines(a, b, sort.key));
    return sort.desc ? s.reverse() : s;
  }, [p.machines, sort]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virtual.getVirtualItems();
  const padTop = items.length ? items[0].start : 0;
  const padBottom = items.length ? virtual.getTotalSize() - items[items.length - 1].end : 0;
  const visibleRunning = items.map((vi) => rows[vi.index]).filter((m) => m && m.state === 'running').map((m) => m.name).join(',');
  const { onVisible } = p;
  useEffect(() => {
    onVisible?.(visibleRunning ? visibleRunning.split(',') : []);
  }, [visibleRunning, onVisible]);
  const allSelected = rows.length > 0 && rows.every((m) => p.selected.has(m.name));

  // Rows are memoised: a change to one machine redraws its row, not every row on screen. Their
  // handlers stay the same functions and call whatever the latest props are.
  const latest = useRef(p);
  latest.current = p;
  const handlers = useMemo<RowHandlers>(() => ({
    toggle: (name, on) => {
      const next = new Set(latest.current.selected);
      if (on) next.add(name);
      else next.delete(name);
      latest.current.onSelect(next);
    },
    onAction: (a, n) => latest.current.onAction(a, n),
    onAutostart: (n, on) => latest.current.onAutostart(n, on),
    onOpenShell: (n) => latest.current.onOpenShell(n),
    onDetails: (n) => latest.current.onDetails(n),
  }), []);

  return (
    <div ref={scrollRef} style={{ flex: 1, overflow: 'auto', minHeight: 0 }} data-testid="machine-scroll">
      <table className="nsd-table" aria-label="Machines" aria-rowcount={rows.length + 1}>
        <colgroup>
          {/* Fixed columns sized to their content (a STOPPING badge with its spinner, three action
              buttons), so that at 1024 px the addresses keep about 100 px. */}
          <col style={{ width: 40 }} /><col style={{ width: '10%' }} /><col style={{ width: 124 }} /><col style={{ width: '10%' }} />
          <col /><col style={{ width: 120 }} /><col style={{ width: 96 }} /><col style={{ width: 72 }} /><col style={{ width: 190 }} />
        </colgroup>
        <thead>
          <tr>
            <th>
              <Checkbox aria-label="Select all machines" checked={allSelected} indeterminate={!allSelected && p.selected.size > 0}
                onChange={(e) => p.onSelect(e.currentTarget.checked ? new Set(rows.map((m) => m.name)) : new Set())} />
            </th>
            <SortHeader label="Name" k="name" sort={sort} setSort={setSort} />
            <SortHeader label="State" k="state" sort={sort} setSort={setSort} />
            <SortHeader label="OS" k="os" sort={sort} setSort={setSort} />
            <th>Addresses</th>
            <th>CPU · Memory</th>
            <th>Autostart</th>
            <SortHeader label="Uptime" k="uptime" sort={sort} setSort={setSort} />
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {padTop > 0 && <tr aria-hidden="true"><td colSpan={9} style={{ height: padTop, padding: 0, border: 0 }} /></tr>}
          {items.map((vi) => {
            const m = rows[vi.index];
            return <MachineRow key={m.name} h={handlers} m={m} index={vi.index} isSelected={p.selected.has(m.name)} />;
          })}
          {padBottom > 0 && <tr aria-hidden="true"><td colSpan={9} style={{ height: padBottom, padding: 0, border: 0 }} /></tr>}
        </tbody>
      </table>
      {rows.length === 0 && (
        <Text c="dimmed" p="md">{p.filter ? `No machine matches “${p.filter}”.` : 'No machines on this host yet.'}</Text>
      )}
    </div>
  );
}

function Resources({ name }: { name: string }) {
  const d = derived(useHost().id, name);
  if (!d) return <Text c="dimmed" fz="xs">…</Text>;
  return <span title={d.source === 'procfs' ? 'summed from /proc (no cgroup accounting)' : 'systemd accounting'}>{d.cpuPercent !== undefined ? `${d.cpuPercent.toFixed(1)}%` : '…'} · {formatBytes(d.memoryBytes)}</span>;
}

type RowHandlers = Pick<MachineTableProps, 'onAction' | 'onAutostart' | 'onOpenShell' | 'onDetails'> & { toggle(name: string, on: boolean): void };

const MachineRow = memo(function MachineRow({ m, index, isSelected: selected, h }: { m: Machine; index: number; isSelected: boolean; h: RowHandlers }) {
  const { toggle, onAction, onAutostart, onOpenShell, onDetails } = h;
  const busy = m.state === 'starting' || m.state === 'stopping';
  const running = m.state === 'running';
  const canStart = m.state === 'stopped' || m.state === 'failed';
  const declared = m.sources.unit || m.sources.nspawnFile !== undefined || m.sources.image;
  return (
    <tr aria-rowindex={index + 2} aria-selected={selected} data-machine={m.name}>
      <td><Checkbox aria-label={`Select ${m.name}`} checked={selected} onChange={(e) => toggle(m.name, e.currentTarget.checked)} /></td>
      <td>
        <Group gap={6} wrap="nowrap">
          <UnstyledButton onClick={() => onDetails(m.name)} fw={600} fz="sm" aria-label={`Details of ${m.name}`}>{m.name}</UnstyledButton>
          {m.pendingRestart && (
            <Tooltip label="Its settings changed since it started: they apply at the next start">
              <Badge size="xs" variant="light" color="orange">restart pending</Badge>
            </Tooltip>
          )}
        </Group>
      </td>
      <td>
        <Group gap={6} wrap="nowrap">
          {busy && <Loader size={12} aria-hidden />}
          <Badge color={STATE_COLORS[m.state]} variant="light" title={m.failure ? `unit result: ${m.failure}` : undefined}>{m.state}</Badge>
        </Group>
      </td>
      <td title={m.os}>{m.os ?? ''}</td>
      <td title={m.addresses.join(', ')}>
        {m.addresses.length > 0 && (
          <Group gap={4} wrap="nowrap">
            <CopyButton value={m.addresses.join(' ')}>
              {({ copied, copy }) => (
                <ActionIcon size="sm" variant="subtle" onClick={copy} aria-label={copied ? `Addresses of ${m.name} copied` : `Copy addresses of ${m.name}`}>
                  <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.5">
                    {copied ? <path d="M3 8.5l3 3 7-7" /> : <><rect x="5.5" y="5.5" width="8" height="8" rx="1" /><path d="M10.5 3.5v-1a1 1 0 0 0-1-1h-6a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h1" /></>}
                  </svg>
                </ActionIcon>
              )}
            </CopyButton>
            <span style={{ overflow: 'hidden', textOverflow: 'ellipsis' }}>{m.addresses.join(', ')}</span>
          </Group>
        )}
      </td>
      <td>{running ? <Resources name={m.name} /> : ''}</td>
      <td>
        {declared && m.autostart !== undefined && (
          <Switch aria-label={`Autostart ${m.name}`} checked={m.autostart} onChange={(e) => onAutostart(m.name, e.currentTarget.checked)} />
        )}
        {declared && m.autostart === undefined && <Text fz="xs" title="systemd could not say whether machines.target wants this unit">unknown</Text>}
        {!declared && <Text c="dimmed" fz="xs">n/a</Text>}
      </td>
      <td>{running ? <Uptime since={m.since} /> : ''}</td>
      <td>
        <Group gap={6} wrap="nowrap">
          {/* One button that changes its label, kept focusable while busy (aria-disabled): a
              disabled button drops the keyboard focus to <body> when Start turns into Stop. */}
          {(() => {
            const start = canStart || (busy && m.state === 'starting');
            const unavailable = busy || (start && !declared);
            return (
              <Button size="compact-sm" variant="light" color={start ? 'green' : 'orange'} aria-label={`${start ? 'Start' : 'Stop'} ${m.name}`}
                data-disabled={unavailable || undefined} aria-disabled={unavailable}
                title={busy ? `${m.name} is ${m.state}` : start && !declared ? 'Registered with machined only: nothing to start' : undefined}
                onClick={() => { if (!unavailable) onAction(start ? 'start' : m.sources.unit ? 'stop' : 'terminate', m.name); }}>
                {start ? 'Start' : 'Stop'}
              </Button>
            );
          })()}
          <Tooltip label={running ? 'Open a shell (machinectl shell)' : `${m.name} is ${m.state}: a shell needs it running`}>
            <Button size="compact-sm" variant="default" aria-label={`Open shell on ${m.name}`} data-disabled={!running || undefined} aria-disabled={!running}
              onClick={() => { if (running) onOpenShell(m.name); }}>Shell</Button>
          </Tooltip>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon variant="subtle" aria-label={`More actions for ${m.name}`}>⋯</ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item disabled={!running || !declared} onClick={() => onAction('restart', m.name)}>Restart</Menu.Item>
              <Menu.Item disabled={!running} onClick={() => onAction('reboot', m.name)}>Reboot</Menu.Item>
              <Menu.Item disabled={!running} onClick={() => onAction('poweroff', m.name)}>Power off</Menu.Item>
              <Menu.Divider />
              <Menu.Item color="red" disabled={!running && m.state !== 'stopping'} onClick={() => onAction('terminate', m.name)}>Terminate</Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </td>
    </tr>
  );
});
