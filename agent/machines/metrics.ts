// Resource samples of a machine's unit: systemd's accounting (MemoryCurrent, CPUUsageNSec,
// TasksCurrent, IO) where the host has it; otherwise summed from /proc over the unit's cgroup
// (e.g. nested hosts whose cgroup controllers are read-only), and the sample says so.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uint64, type Bus } from '../dbus/bus.js';
import { unitForMachine } from '../../shared/names.js';
import type { MachineMetrics } from '../../shared/contract.js';
import { SD, SD_MANAGER, SD_PATH } from './facts.js';

const CLOCK_TICKS = 100; // USER_HZ on Linux
const PAGE = 4096;

function cgroupPids(cgroup: string): number[] {
  const bases = ['sys/fs/cgroup/unified', 'sys/fs/cgroup', 'sys/fs/cgroup/systemd'].map((b) => join('/', b, cgroup));
  for (const base of bases) {
    const pids: number[] = [];
    const walk = (dir: string, depth: number) => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return false;
      }
      try {
        for (const p of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (p) pids.push(Number(p));
      } catch {
        return false;
      }
      if (depth < 12) for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name), depth + 1);
      return true;
    };
    if (walk(base, 0)) return pids;
  }
  return [];
}

function fromProc(pids: number[]): { cpuNs: number; memory: number; tasks: number } {
  let cpuNs = 0;
  let memory = 0;
  let tasks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuNs += ((Number(f[11]) + Number(f[12])) / CLOCK_TICKS) * 1e9; // utime + stime
      tasks += Number(f[17]); // num_threads
      memory += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
    } catch {
      // exited between listing and reading
    }
  }
  return { cpuNs, memory, tasks };
}

export async function sampleMetrics(bus: Bus, name: string): Promise<MachineMetrics> {
  const [path] = await bus.call(SD, SD_PATH, SD_MANAGER, 'GetUnit', 's', [unitForMachine(name)]);
  const p = await bus.getAllProperties(SD, String(path), `${SD}.Service`);
  const at = Date.now();
  const memory = uint64(p.MemoryCurrent);
  const cpuNs = uint64(p.CPUUsageNSec);
  const tasks = uint64(p.TasksCurrent);
  if (memory !== undefined && cpuNs !== undefined) {
    return { name, at, source: 'systemd', memoryBytes: memory, memoryMax: uint64(p.MemoryMax), cpuNs, tasks, ioReadBytes: uint64(p.IOReadBytes), ioWriteBytes: uint64(p.IOWriteBytes) };
  }
  const proc = fromProc(cgroupPids(String(p.ControlGroup ?? '')));
  return { name, at, source: 'procfs', memoryBytes: memory ?? proc.memory, memoryMax: uint64(p.MemoryMax), cpuNs: cpuNs ?? proc.cpuNs, tasks: tasks ?? proc.tasks };
}
