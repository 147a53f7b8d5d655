// The container's journal or its unit's host log, streamed while this panel is shown.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Alert, Button, Group, SegmentedControl, Select, Switch, Text, TextInput } from '@mantine/core';
import type { JournalEntry } from '../../../shared/contract';
import { useHost } from '../transport/context';
import { useAgentReturns } from '../machines/hooks';

const MAX_ENTRIES = 20_000;
const PRIORITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
// The light-variant text colours: readable (AA) in both schemes, unlike the plain palette shades.
const RED = 'var(--mantine-color-red-light-color)';
const COLORS = [RED, RED, RED, RED, 'var(--mantine-color-orange-light-color)', 'var(--mantine-color-blue-light-color)', undefined, 'dimmed'];

const BOOTS = [{ value: '0', label: 'This boot (follow)' }, { value: '-1', label: 'Previous boot' }, { value: '-2', label: '2 boots ago' }, { value: '-3', label: '3 boots ago' }];
const STAMP = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const lineOf = (e: JournalEntry) => `${new Date(e.ts).toISOString()} ${e.ident ?? ''}${e.pid ? `[${e.pid}]` : ''}: ${e.message}`;

/** Saves the lines shown as a text file (the browser's or Electron's download). */
function exportLines(name: string, lines: JournalEntry[]): void {
  const url = URL.createObjectURL(new Blob([lines.map(lineOf).join('\n') + '\n'], { type: 'text/plain' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: `journal-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.log` });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function JournalPanel({ name, running }: { name: string; running: boolean }) {
  const client = useHost();
  // A stopped container's own journal cannot be read (journalctl -M needs it running): its unit's log can.
  const [chosen, setSource] = useState<'container' | 'unit'>('container');
  const source = running ? chosen : 'unit';
  const [boot, setBoot] = useState('0');
  const [wrap, setWrap] = useState(false);
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
    client.call('journal.follow', { name, source, priority: Number(priority), lines: 300, boot: Number(boot) })
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
  }, [client, name, source, priority, boot, returns]);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? entries.filter((e) => e.message.toLowerCase().includes(q) || (e.ident ?? '').toLowerCase().includes(q)) : entries;
  }, [entries, query]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: shown.length, getScrollElement: () => scrollRef.current, estimateSize: () => 20, overscan: 20 });
  // Wrapped lines have heights of their own: measured as they are drawn.
  useEffect(() => { v.measure(); }, [wrap, v]);
  useEffect(() => {
    if (follow && shown.length) v.scrollToIndex(shown.length - 1, { align: 'end' });
  }, [follow, shown.length, v]);

  return (
    <div style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0, padding: 8, gap: 8 }}>
      <Group gap="sm">
        <SegmentedControl aria-label="Journal source" value={source} onChange={(s) => setSource(s as 'container' | 'unit')}
          data={[{ label: 'Container journal', value: 'container', disabled: !running }, { label: 'Unit log (host)', value: 'unit' }]} />
        <Select aria-label="Boot" w={170} value={boot} onChange={(b) => b && setBoot(b)} allowDeselect={false} data={BOOTS} />
        <Select aria-label="Priority" w={150} value={priority} onChange={(p) => p && setPriority(p)} allowDeselect={false}
          data={PRIORITIES.map((p, i) => ({ value: String(i), label: `≤ ${p}` }))} />
        <TextInput aria-label="Search journal" placeholder="Search…" value={query} onChange={(e) => setQuery(e.currentTarget.value)} w={260} />
        <Switch label="Follow" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />
        <Switch label="Wrap long lines" checked={wrap} onChange={(e) => setWrap(e.currentTarget.checked)} />
        <Button size="xs" variant="default" disabled={!shown.length} onClick={() => exportLines(name, shown)}>Export shown lines</Button>
        <Text fz="xs" c="dimmed" aria-live="polite">{shown.length} of {entries.length} lines</Text>
      </Group>
      {!running && chosen === 'container' && (
        <Text fz="sm" role="status">{name} is not running: its own journal can be read only while it runs, so this is its unit's log on the host.</Text>
      )}
      {ended && <Alert color={ended.startsWith('end of') ? 'blue' : 'yellow'} py={4} role="status" title="Stream ended">{ended}</Alert>}
      <div ref={scrollRef} role="log" tabIndex={0} aria-label={`Journal of ${name}`} style={{ flex: 1, minHeight: 200, overflow: 'auto', fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 }}>
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {v.getVirtualItems().map((it) => {
            const e = shown[it.index];
            return (
              <div key={it.key} data-index={it.index} ref={wrap ? v.measureElement : undefined} title={wrap ? undefined : e.message}
                style={{ position: 'absolute', top: it.start, left: 0, right: 0, ...(wrap ? { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' } : { height: 20, whiteSpace: 'pre', overflow: 'hidden', textOverflow: 'ellipsis' }) }}>
                <Text span fz={12} c="dimmed">{STAMP.format(e.ts)} </Text>
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
