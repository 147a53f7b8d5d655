// Live CPU, memory and task graphs (uPlot) for one running machine, sampled while visible.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { Alert, Group, Stack, Text } from '@mantine/core';
import { cpuPercent, derived, formatBytes, historyOf, useMetrics } from '../machines/metrics';
import { distinctLabels } from './axis-labels';
import { useHost } from '../transport/context';

/** A graph of one figure; `limit` draws the unit's limit as a dashed line (MemoryMax). */
function Chart({ title, series, limit }: { title: string; series: { x: number[]; y: (number | null)[]; fmt(v: number): string }; limit?: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = ref.current!;
    plot.current = new uPlot({
      width: 420, height: 160, legend: { show: false },
      // From 0 to a little over the highest value (flat figures got ticks that all read the same).
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.25 : 1] } },
      axes: [{ stroke: '#888' }, { stroke: '#888', values: (_u, vals) => distinctLabels(vals, series.fmt), size: 70 }],
      series: [{}, { stroke: '#228be6', fill: 'rgba(34,139,230,0.15)', width: 2 }, { stroke: '#e03131', dash: [6, 4], width: 1.5 }],
    }, [[], [], []], el);
    return () => plot.current?.destroy();
  }, []);
  useEffect(() => {
    plot.current?.setData([series.x, series.y, series.x.map(() => limit ?? null)]);
  }, [series, limit]);
  return (
    <Stack gap={4}>
      <Text fz="sm" fw={600}>{title}{limit !== undefined ? ` (limit ${series.fmt(limit)}, dashed)` : ''}</Text>
      <div ref={ref} role="img" aria-label={`${title} graph${limit !== undefined ? `, limit ${series.fmt(limit)}` : ''}`} />
    </Stack>
  );
}

export function ResourcesPanel({ name, running }: { name: string; running: boolean }) {
  const host = useHost().id;
  const q = useMetrics(running ? [name] : [], 1000);
  // Reading `data` subscribes this component to every sample (react-query tracks what is read).
  void q.data;
  if (!running) return <Text p="md" c="dimmed">Resources are sampled while the machine runs.</Text>;
  const h = historyOf(host, name);
  const d = derived(host, name);
  const x = h.map((s) => s.at / 1000);
  const cpu = h.map((s, i) => (i ? cpuPercent(h[i - 1], s) ?? null : null));
  const mem = h.map((s) => s.memoryBytes ?? null);
  const tasks = h.map((s) => s.tasks ?? null);
  return (
    <Stack p="sm" gap="md">
      {q.error && <Alert color="red" role="alert" title="Cannot sample resources">{(q.error as Error).message}</Alert>}
      <Group gap="xl" aria-label="Current resource use" role="group">
        <Text>CPU: <b role="group" aria-label="CPU">{d?.cpuPercent !== undefined ? `${d.cpuPercent.toFixed(1)} %` : '…'}</b></Text>
        <Text>Memory: <b role="group" aria-label="Memory">{formatBytes(d?.memoryBytes)}</b></Text>
        <Text>Tasks: <b role="group" aria-label="Tasks">{d?.tasks ?? '…'}</b></Text>
      </Group>
      {d?.source === 'procfs' && (
        <Text fz="xs" c="dimmed">This host has no cgroup accounting for the unit; the figures are summed from /proc over its cgroup (memory = sum of RSS).</Text>
      )}
      {h.length < 2 && <Text fz="sm" c="dimmed" role="status">Collecting samples (one a second); the graphs fill in as they arrive.</Text>}
      <Group align="flex-start" gap="xl">
        <Chart title="CPU %" series={{ x, y: cpu, fmt: (v) => `${v.toFixed(0)}%` }} />
        <Chart title="Memory" series={{ x, y: mem, fmt: (v) => formatBytes(v) }} limit={h.at(-1)?.memoryMax} />
        <Chart title="Tasks" series={{ x, y: tasks, fmt: (v) => String(Math.round(v)) }} />
      </Group>
    </Stack>
  );
}
