// `npm run bench`: every figure measured side by side with its baseline in one run, against a
// real sandbox host and the app in Debian's Chromium. Writes bench/results.json.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import { Bus } from '../agent/dbus/bus.js';
import { AgentLink } from '../hub/agent-link.js';
import { DirectClient } from '../hub/direct-client.js';
import { sandboxLauncher } from '../hub/launchers.js';
import { run } from '../agent/proc.js';
import { down, up, type SandboxState } from '../sandbox/sandbox.js';
import { childPids } from '../sandbox/proc.js';
import { launchChromium, startWebMode, type WebChild } from '../sandbox/web-child.js';
import { loadToAllRows, machineNewLatency, registerToAllRows } from './scale.js';
import { registerFakeMachines } from '../sandbox/machines.js';
import { SshBench } from './ssh.js';
import { createToRunning } from './create.js';
import { CockpitPeer, cockpitInstalled, ctrlCToPrompt, interleaved, linesFlood, oneLineFlood, openAppShell, type PeerResult } from './cockpit.js';
import { spawnSync } from 'node:child_process';
import { median, percentile, round } from './stats.js';
import { ctrlCLatency, FLOOD_BYTES, instrumentSockets, memoryFlood, memoryFloodUnderPtyLoad, ptyFlood, uiFlood, watchLongTasks } from './terminal.js';

const SB = 'bench';
const IDLE_SECONDS = Number(process.env.NSD_BENCH_IDLE_S ?? 60);
// NSD_BENCH_ONLY=terminal,scale runs some sections (for tuning; add ssh for their SSH pairs); results.json is written only by a full run.
const ONLY = new Set((process.env.NSD_BENCH_ONLY ?? '').split(',').filter(Boolean));
const want = (section: string) => !ONLY.size || ONLY.has(section);
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => { for (const k of childPids(p)) { out.push(k); walk(k); } };
  walk(pid);
  return out;
}

/** RSS of the web-mode hub's Node process (under npx → tsx), of its agent (`agent.cjs`), or of the
 * pty host that agent started (`pty-host.cjs`, its child while the agent lives). */
function rssMiB(rootPid: number, script: 'web-main.ts' | 'agent.cjs' | 'pty-host.cjs'): number {
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
async function rendererRssMiB(browser: Browser): Promise<number> {
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

async function heapMiB(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize / 1024 / 1024;
}

async function networkApply(page: Page, iterations = 10) {
  await page.getByRole('tab', { name: 'Machines' }).click();
  await page.getByRole('button', { name: 'Details of db' }).click();
  await page.getByRole('tab', { name: 'Network' }).click();
  const field = page.getByRole('textbox', { name: 'Host addresses' });
  await field.waitFor();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    await field.fill(`fc42::1/64\n${i % 2 ? '192.168.42.1/24' : '192.168.60.1/24'}`);
    await page.getByRole('button', { name: 'Preview changes' }).click();
    const apply = page.getByRole('button', { name: 'Apply', exact: true });
    await apply.waitFor();
    const t0 = performance.now();
    await apply.click();
    await page.getByRole('alert').filter({ hasText: 'Applied' }).waitFor();
    samples.push(performance.now() - t0);
    await page.getByRole('button', { name: 'Dismiss' }).click();
  }
  if (iterations % 2 === 1) {
    await field.fill('fc42::1/64\n192.168.42.1/24');
    await page.getByRole('button', { name: 'Preview changes' }).click();
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Applied' }).waitFor();
  }
  await page.getByRole('button', { name: 'Back to machines' }).click();
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), samples };
}

async function openTabs(page: Page, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await page.getByRole('tab', { name: 'Machines' }).click();
    await page.getByRole('button', { name: 'Open shell on web' }).click();
  }
  await page.waitForFunction((k) => document.querySelectorAll('[role=tab]').length >= k + 2, n);
  await page.waitForTimeout(2000);
}

interface Ctx { state: SandboxState; web: WebChild; page: Page; browser: Browser; results: Record<string, unknown>; ssh?: SshBench }

async function terminalSection({ state, web, page, results, ssh }: Ctx): Promise<void> {
  log('terminal throughput');
  const ptyR = await ptyFlood(state.execPrefix);
  const ui = await uiFlood(page);
  const memMs = await memoryFlood(page, ui.box);
  const loadedMs = await memoryFloodUnderPtyLoad(page, ui.box, state.execPrefix);
  const mbps = (ms: number) => FLOOD_BYTES / 1024 / 1024 / (ms / 1000);
  results.terminal = {
    appMiBps: round(mbps(ui.ms)), uiLimitMiBps: round(mbps(memMs)), ptyLimitMiBps: round(mbps(ptyR.ms)),
    ratioToUiLimit: round(mbps(ui.ms) / mbps(memMs), 2), ratioToPtyLimit: round(mbps(ui.ms) / mbps(ptyR.ms), 2),
    uiLimitWhilePtyFloodsMiBps: round(mbps(loadedMs)), ratioToUiLimitWhilePtyFloods: round(mbps(ui.ms) / mbps(loadedMs), 2),
    longestMainThreadTaskMs: round(ui.longestTaskMs), charsReceived: ui.chars,
  };
  if (ssh) {
    log('terminal flood over SSH, beside the same locally');
    results.ssh = { ...(results.ssh as object), ...(await ssh.terminal()) };
  }
  log('Ctrl-C latency');
  const cc = await ctrlCLatency(web.url);
  results.ctrlC = { p50Ms: round(cc.p50), p95Ms: round(cc.p95) };
}

/** Cockpit's terminal beside the app's, same guest, same browser (see cockpit.ts). */
async function peerSection({ state, web, browser, results }: Ctx): Promise<void> {
  if (!cockpitInstalled()) {
    log('peer: Cockpit is not installed (apt-get install cockpit-ws cockpit-bridge cockpit-system); skipped');
    results.peer = { skipped: 'cockpit-ws, cockpit-bridge and cockpit-system are not installed' };
    return;
  }
  const cockpit = await CockpitPeer.start(Number(process.env.NSD_BENCH_COCKPIT_PORT ?? 9391));
  const mib = FLOOD_BYTES / 1024 / 1024;
  const pages: Page[] = [];
  try {
    log('peer: lines flood, app vs Cockpit (default: screen reader tree on)');
    const app = await openAppShell(browser, web.url);
    const cpDefault = await cockpit.open(browser, state.leaderPid, true);
    pages.push(app, cpDefault);
    const lines = await interleaved(app, cpDefault, linesFlood(FLOOD_BYTES), mib);
    log('peer: lines flood, app vs Cockpit with its screen reader tree detached');
    const cpOff = await cockpit.open(browser, state.leaderPid, false);
    pages.push(cpOff);
    await cpDefault.close();
    const linesOff = await interleaved(app, cpOff, linesFlood(FLOOD_BYTES), mib);
    log('peer: Ctrl-C during yes → prompt drawn, app (screen reader mode on) and Cockpit');
    const appSr = await openAppShell(browser, web.url);
    pages.push(appSr);
    await appSr.getByRole('button', { name: 'Display settings' }).click();
    await appSr.getByRole('switch', { name: 'Screen reader mode' }).check();
    await appSr.keyboard.press('Escape');
    await appSr.getByRole('region', { name: 'Terminal web' }).click();
    const cpCc = await cockpit.open(browser, state.leaderPid, true);
    pages.push(cpCc);
    const appCc = await ctrlCToPrompt(appSr);
    const cockpitCc = await ctrlCToPrompt(cpCc);
    log('peer: one-line flood, app with screen reader mode off vs on');
    const oneLine = await interleaved(app, appSr, oneLineFlood(FLOOD_BYTES), mib, 2, (c) => c.includes('agent.cjs') || c.includes('pty-host.cjs') || c.includes('web-main.ts'));
    const r = (x: PeerResult) => ({
      appMs: x.appMs.map((v) => round(v)), peerMs: x.peerMs.map((v) => round(v)), ratios: x.ratios.map((v) => round(v, 2)),
      medianRatio: round(x.median, 2), appCpuSecPerMiB: round(x.appCpuSecPerMiB, 3), peerCpuSecPerMiB: round(x.peerCpuSecPerMiB, 3),
    });
    results.peer = {
      cockpitVersion: cockpitVersion(), linesFlood: r(lines), linesFloodCockpitScreenReaderTreeDetached: r(linesOff),
      ctrlCToPromptDrawn: { appP50Ms: round(percentile(appCc, 50)), appP95Ms: round(percentile(appCc, 95)), cockpitP50Ms: round(percentile(cockpitCc, 50)), cockpitP95Ms: round(percentile(cockpitCc, 95)) },
      oneLineFloodScreenReaderOnVsOff: { offMs: oneLine.appMs.map((v) => round(v)), onMs: oneLine.peerMs.map((v) => round(v)), medianRatio: round(oneLine.median, 2) },
    };
    results.terminal = { ...(results.terminal as object), ratioToCockpit: round(lines.median, 2), ratioToCockpitScreenReaderTreeDetached: round(linesOff.median, 2) };
  } finally {
    for (const p of pages) await p.close().catch(() => undefined);
    cockpit.stop();
  }
}

function cockpitVersion(): string {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'cockpit-ws'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

async function memorySection({ web, page, browser, results }: Ctx): Promise<void> {
  log('memory with 0 and 10 tabs');
  const rss0 = rssMiB(web.pid, 'web-main.ts');
  const agent0 = rssMiB(web.pid, 'agent.cjs');
  const pty0 = rssMiB(web.pid, 'pty-host.cjs');
  const heap0 = await heapMiB(page);
  const rend0 = await rendererRssMiB(browser);
  await openTabs(page, 10);
  const rss10 = rssMiB(web.pid, 'web-main.ts');
  const agent10 = rssMiB(web.pid, 'agent.cjs');
  const pty10 = rssMiB(web.pid, 'pty-host.cjs');
  const heap10 = await heapMiB(page);
  const rend10 = await rendererRssMiB(browser);
  results.memory = {
    hubRssMiB0: round(rss0), hubRssMiB10: round(rss10), agentRssMiB0: round(agent0), agentRssMiB10: round(agent10),
    ptyHostRssMiB0: round(pty0), ptyHostRssMiB10: round(pty10),
    rendererHeapMiB0: round(heap0), rendererHeapMiB10: round(heap10),
    rendererRssMiB0: round(rend0), rendererRssMiB10: round(rend10),
  };
  // A fresh page for the next sections: without the saved list, the 10 shells are not re-attached
  // (they end after the agent's grace period).
  await page.evaluate(() => (globalThis as unknown as { sessionStorage: { clear(): void } }).sessionStorage.clear());
  await page.reload();
  await page.getByRole('table', { name: 'Machines' }).waitFor();
}

async function networkSection({ page, results }: Ctx): Promise<void> {
  log('network apply');
  const net = await networkApply(page);
  results.networkApply = { p50Ms: round(net.p50), p95Ms: round(net.p95), iterations: net.samples.length };
}

async function createSection({ state, results }: Ctx): Promise<void> {
  log('new container -> running (app, from scratch, machinectl by hand)');
  const link = new AgentLink(sandboxLauncher(SB));
  await link.start();
  try {
    results.create = await createToRunning(state, new DirectClient(link));
  } finally {
    await link.stop();
  }
}

/** 10,000 machines (after the 1000 of 'scale'): page load → all rows, scrolling, memory. */
async function scale10kSection({ state, web, page, browser, results }: Ctx): Promise<void> {
  log('10,000 machines');
  const bus = await Bus.connect(state.busAddress);
  try {
    const before = (await listMachinedCount(bus));
    await registerFakeMachines(bus, state.execPrefix, 10_000 - before + 3, 'big');
  } finally {
    bus.disconnect();
  }
  const link = new AgentLink(sandboxLauncher(SB));
  await link.start();
  const total = (await new DirectClient(link).refresh()).length;
  await link.stop();
  const loadMs = await loadToAllRows(page, web.url, total);
  const longest = await watchLongTasks(page);
  // Down the whole list and back, a screen at a time, a frame apart (as a held arrow key would).
  await page.getByTestId('machine-scroll').evaluate(`(async (el) => {
    for (const dir of [1, -1]) {
      for (let i = 0; i < 200 && (dir > 0 ? el.scrollTop + el.clientHeight < el.scrollHeight : el.scrollTop > 0); i++) {
        el.scrollTop += dir * el.scrollHeight / 200;
        await new Promise((r) => requestAnimationFrame(() => r()));
      }
    }
  })`);
  results.scale10k = {
    machines: total, pageLoadToAllRowsMs: round(loadMs), longestTaskWhileScrollingMs: round(await longest()),
    agentRssMiB: round(rssMiB(web.pid, 'agent.cjs')), hubRssMiB: round(rssMiB(web.pid, 'web-main.ts')), rendererRssMiB: round(await rendererRssMiB(browser)),
  };
}

async function listMachinedCount(bus: Bus): Promise<number> {
  const [rows] = await bus.call('org.freedesktop.machine1', '/org/freedesktop/machine1', 'org.freedesktop.machine1.Manager', 'ListMachines');
  return (rows as unknown[]).length;
}

async function scaleSection({ state, web, page, results, ssh }: Ctx): Promise<void> {
  log('1000 machines');
  const bus = await Bus.connect(state.busAddress);
  const expected = 1000 + 3;
  await page.getByRole('tab', { name: 'Machines' }).click();
  const reg = await registerToAllRows(page, bus, state.execPrefix, 1000, expected);
  const loadMs = await loadToAllRows(page, web.url, expected);
  const lat = await machineNewLatency(page, bus, state.execPrefix);
  bus.disconnect();

  // A second agent in the same host, reached like the app's: its relist is timed inside the agent.
  const link = new AgentLink(sandboxLauncher(SB));
  await link.start();
  const agent = new DirectClient(link);
  const relist: number[] = [];
  const mctl: number[] = [];
  for (let i = 0; i < 5; i++) {
    relist.push((await agent.call<{ ms: number }>('machines.refresh')).ms);
    const t = performance.now();
    await run(state.execPrefix[0], [...state.execPrefix.slice(1), 'machinectl', 'list', '--no-pager', '--no-legend']);
    mctl.push(performance.now() - t);
  }
  results.scale = {
    machines: (await agent.refresh()).length, registerMs: round(reg.registerMs), registerToAllRowsMs: round(reg.toAllRowsMs),
    lastRegistrationToAllRowsMs: round(reg.afterLastRegistrationMs),
    pageLoadToAllRowsMs: round(loadMs),
    machineNewToRowP50Ms: round(lat.p50), machineNewToRowP95Ms: round(lat.p95),
    backendRelistMs: round(median(relist)), machinectlListMs: round(median(mctl)), ratioRelistToMachinectl: round(median(relist) / median(mctl), 2),
  };

  if (ssh) {
    log('page load with 1000 machines over SSH, beside the same locally');
    results.ssh = { ...(results.ssh as object), ...(await ssh.pageLoad(expected)) };
  }

  log(`D-Bus messages during ${IDLE_SECONDS} s idle`);
  await page.close();
  const before = (await agent.diagnostics()).busMessagesByMember;
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const after = await agent.diagnostics();
  const byMember: Record<string, number> = {};
  // The diagnostics request itself sends no D-Bus message.
  for (const [k, n] of Object.entries(after.busMessagesByMember)) if (n > (before[k] ?? 0)) byMember[k] = n - (before[k] ?? 0);
  const sent = Object.values(byMember).reduce((a, n) => a + n, 0);
  results.idle = { seconds: IDLE_SECONDS, dbusMessagesSent: sent, byMember, matchRules: after.matchRules, agentRssMiB: round(after.rssBytes / 1048576, 1) };
  await link.stop();
}

async function main(): Promise<void> {
  const t0 = Date.now();
  await down(SB);
  const state = await up({ name: SB, extraGuests: 0, nixos: false });
  const web = await startWebMode(SB);
  const browser = await launchChromium(['--enable-precise-memory-info']);
  // bypassCSP only so the UI-limit baseline can load xterm.js into the same page.
  const page = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } })).newPage();
  const results: Record<string, unknown> = { date: new Date().toISOString(), floodBytes: FLOOD_BYTES };
  await instrumentSockets(page);
  // Memory first: "0 tabs" is then a fresh page, not one that just rendered a 16 MiB flood.
  const sections = { memory: memorySection, terminal: terminalSection, peer: peerSection, network: networkSection, create: createSection, scale: scaleSection, scale10k: scale10kSection };
  let ssh: SshBench | undefined;
  try {
    await page.goto(web.url);
    await page.getByRole('table', { name: 'Machines' }).waitFor();
    await page.getByRole('button', { name: 'Details of web' }).waitFor();
    for (const [name, fn] of Object.entries(sections)) {
      if (!want(name)) continue;
      // After the memory figures, which a second hub and its pages would skew.
      if (name !== 'memory' && !ssh && want('ssh')) ssh = await SshBench.start(browser, state, SB, web.url);
      await fn({ state, web, page, browser, results, ssh });
    }
  } finally {
    ssh?.stop();
    await browser.close();
    web.stop();
    await down(SB);
  }
  results.totalSeconds = round((Date.now() - t0) / 1000);
  if (!ONLY.size) writeFileSync('bench/results.json', JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
