// Memory of the bench's processes: the web-mode hub, its agent and pty host, Chromium's renderers.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import { childPids } from '../sandbox/proc.js';

function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => { for (const k of childPids(p)) { out.push(k); walk(k); } };
  walk(pid);
  return out;
}

/** RSS of the web-mode hub's Node process (under npx → tsx), of its agent (`agent.cjs`), or of the
 * pty host that agent started (`pty-host.cjs`, its child while the agent lives). */
export function rssMiB(rootPid: number, script: 'web-main.ts' | 'agent.cjs' | 'pty-host.cjs'): number {
  const node = descendants(rootPid).reverse().find((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(script) && readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node';
    } catch {
      return false;
    }
  });
  if (!node) return NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${node}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** RSS of Chromium's renderer processes: xterm.js keeps its buffers in typed arrays, outside the JS heap. */
export async function rendererRssMiB(browser: Browser): Promise<number> {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo' as never)) as { processInfo: { type: string; id: number }[] };
  await cdp.detach();
  let kb = 0;
  for (const p of processInfo.filter((x) => x.type === 'renderer')) {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'));
    kb += m ? Number(m[1]) : 0;
  }
  return kb / 1024;
}

export async function heapMiB(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize / 1024 / 1024;
}

/** utime + stime in clock ticks of /proc/PID/stat or /proc/PID/task/TID/stat, with its name. */
export function procTicks(statPath: string): { name: string; ticks: number } {
  const s = readFileSync(statPath, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { name: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), ticks: Number(f[11]) + Number(f[12]) };
}
