// `npm run bench:profile`: where the CPU goes during a terminal flood in the app. Prints the CPU
// share of every process (and of the renderer's threads) during one flood, then the page's
// hottest functions during a second, profiled flood. A diagnostic, not a benchmark.
import { readdirSync, readFileSync } from 'node:fs';
import { down, up } from '../sandbox/sandbox.js';
import { launchChromium, startWebMode } from '../sandbox/web-child.js';
import { FLOOD_BYTES, instrumentSockets, memoryFlood, uiFlood } from './terminal.js';
import { procTicks } from './processes.js';

const SB = 'bench';

function cpuTicks(): Map<string, number> {
  const m = new Map<string, number>();
  // The whole machine, from /proc/stat: what is busy, and what is idle or waiting.
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  m.set('ALL busy (user+system+irq)', user + nice + system + irq + softirq);
  m.set('ALL idle', idle);
  m.set('ALL iowait', iowait);
  m.set('ALL steal', steal);
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const { name, ticks: t } = procTicks(`/proc/${pid}/stat`);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const kind = name === 'chromium' || cmd[0].includes('chromium') ? /--type=(\S+)/.exec(cmd.join(' '))?.[1] ?? 'browser' : '';
      m.set(`${pid} ${name}${kind ? ` (${kind})` : ` ${cmd.slice(1, 3).join(' ')}`}`, t);
      if (kind === 'renderer') {
        for (const tid of readdirSync(`/proc/${pid}/task`)) {
          const th = procTicks(`/proc/${pid}/task/${tid}/stat`);
          m.set(`  ${pid} thread ${tid} ${th.name}`, th.ticks);
        }
      }
    } catch {
      // exited while we looked
    }
  }
  return m;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

function hottest(p: CpuProfile, n = 20): string[] {
  const byId = new Map(p.nodes.map((x) => [x.id, x.callFrame]));
  const self = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const f = byId.get(id)!;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
}

async function main(): Promise<void> {
  await up({ name: SB, extraGuests: 0, nixos: false });
  const web = await startWebMode(SB);
  const browser = await launchChromium();
  try {
    // bypassCSP: the flood's in-page counters are evaluated from strings.
    const page = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } })).newPage();
    await instrumentSockets(page);
    await page.goto(web.url);
    await page.getByRole('button', { name: 'Details of web' }).waitFor();

    const measure = async (what: string, fn: () => Promise<number>) => {
      const before = cpuTicks();
      const t0 = performance.now();
      const mibps = await fn();
      const wallS = (performance.now() - t0) / 1000;
      const after = cpuTicks();
      console.log(`${what}: ${mibps.toFixed(1)} MiB/s; CPU % of one core over ${wallS.toFixed(1)} s:`);
      const rows = [...after].map(([k, v]) => [k, ((v - (before.get(k) ?? 0)) / 100 / wallS) * 100] as const);
      // Kernel worker threads are left out: their tick counts here came out above wall time.
      const shown = rows.filter(([k, p]) => p >= 2 && !k.includes(' kworker/'));
      for (const [k, pct] of shown.sort((a, b) => b[1] - a[1])) console.log(`${pct.toFixed(0).padStart(5)} %  ${k}`);
    };
    let box = { width: 0, height: 0 };
    await measure('app flood (tab open to close)', async () => {
      const r = await uiFlood(page);
      box = r.box;
      return r.chars / 1048576 / (r.ms / 1000);
    });
    await measure('UI limit (same bytes from memory)', async () => FLOOD_BYTES / 1048576 / ((await memoryFlood(page, box)) / 1000));

    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
    await uiFlood(page);
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
    console.log('page main thread, self time during a profiled flood:');
    for (const line of hottest(profile)) console.log(line);
  } finally {
    await browser.close();
    web.stop();
    await down(SB);
  }
}

main().catch((e) => {
  process.stderr.write(`profile failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
