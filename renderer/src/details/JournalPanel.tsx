// The container's journal or its unit's host log, streamed while this panel is shown.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Alert, Group, SegmentedControl, Select, Switch, Text, TextInput } from '@mantine/core';
import type { JournalEntry } from '../../../shared/contract';
import { useHost } from '../transport/context';
import { useAgentReturns } from '../machines/hooks';

const MAX_ENTRIES = 20_000;
const PRIORITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
// The light-variant text colours: readable (AA) in both schemes, unlike the plain palette shades.
const RED = 'var(--mantine-color-red-light-color)';
const COLORS = [RED, RED, RED, RED, 'var(--mantine-color-orange-light-color)', 'var(--mantine-color-blue-light-color)', undefined, 'dimmed'];

export function JournalPanel({ name }: { name: string }) {
  const client = useHost();
  const [source, setSource] = useState<'container' | 'unit'>('container');
  const [priority, setPriority] = useState('7');
  const [query, setQuery] = useState('');
  const [follow, setFollow] = useState(true);
  const [entries, setEntries] = useState<JournalEntry[]>([]);
  const [ended, setEnded] = useState<string | undefined>();
  // A stream lives in one agent run: when the agent (or the link) comes back, follow again.
  const returns = useAgentReturns();

  useEffect(() => {
    let id: string | undefined;
    let stopped = false;
    setEntries([]);
    setEnded(undefined);
    const off = client.on('journal.entries', (p) => {
      if (p.id !== id) return;
      if (p.entries.length) {
        setEntries((es) => { const next = es.concat(p.entries); return next.length > MAX_ENTRIES ? next.slice(-MAX_ENTRIES) : next; });
        // Flow control: ack once React has taken the batch, so a flooding guest waits for us.
        const n = p.entries.length;
        requestAnimationFrame(() => {
          if (!stopped) client.call('journal.ack', { id: p.id, entries: n }).catch((e: Error) => setEnded(e.message));
        });
      }
      if (p.ended) setEnded(p.ended);
    });
    client.call('journal.follow', { name, source, priority: Number(priority), lines: 300 })
      .then((r) => {
        id = r.id;
        if (stopped) void client.call('journal.stop', { id: r.id }).catch(() => undefined);
      })
      .catch((e: Error) => setEnded(e.message));
    return () => {
      stopped = true;
      off();
      if (id) void client.call('journal.stop', { id }).catch(() => undefined);
    };
  }, [client, name, source, priority, returns]);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? entries.filter((e) => e.message.toLowerCase().includes(q) || (e.ident ?? '').toLowerCase().includes(q)) : entries;
  }, [entries, query]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: shown.length, getScrollElement: () => scrollRef.current, estimateSize: () => 20, overscan: 20 });
  useEffect(() => {
    if (follow && shown.length) v.scrollToIndex(shown.length - 1, { align: 'end' });
  }, [follow, shown.length, v]);

  return (
    <div style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0, padding: 8, gap: 8 }}>
      <Group gap="sm">
        <SegmentedControl aria-label="Journal source" value={source} onChange={(s) => setSource(s as 'container' | 'unit')}
          data={[{ label: 'Container journal', value: 'container' }, { label: 'Unit log (host)', value: 'unit' }]} />
        <Select aria-label="Priority" w={150} value={priority} onChange={(p) => p && setPriority(p)} allowDeselect={false}
          data={PRIORITIES.map((p, i) => ({ value: String(i), label: `≤ ${p}` }))} />
        <TextInput aria-label="Search journal" placeholder="Search…" value={query} onChange={(e) => setQuery(e.currentTarget.value)} w={260} />
        <Switch label="Follow" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />
        <Text fz="xs" c="dimmed" aria-live="polite">{shown.length} of {entries.length} lines</Text>
      </Group>
      {ended && <Alert color="yellow" py={4} role="status" title="Stream ended">{ended}</Alert>}
      <div ref={scrollRef} role="log" tabIndex={0} aria-label={`Journal of ${name}`} style={{ flex: 1, minHeight: 200, overflow: 'auto', fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 }}>
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {v.getVirtualItems().map((it) => {
            const e = shown[it.index];
            return (
              <div key={it.key} style={{ position: 'absolute', top: it.start, height: 20, left: 0, right: 0, whiteSpace: 'pre', overflow: 'hidden', textOverflow: 'ellipsis' }}>
                <Text span fz={12} c="dimmed">{new Date(e.ts).toLocaleTimeString()} </Text>
                <Text span fz={12} fw={600}>{e.ident ?? ''}{e.pid ? `[${e.pid}]` : ''}: </Text>
                <Text span fz={12} c={COLORS[e.priority]}>{e.message}</Text>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
