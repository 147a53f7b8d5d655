// Bench sections beside the app's own figures: Cockpit's terminal as the peer, and 10,000 machines.
import { spawnSync } from 'node:child_process';
import type { Page } from '@playwright/test';
import { Bus } from '../agent/dbus/bus.js';
import { AgentLink } from '../hub/agent-link.js';
import { DirectClient } from '../hub/direct-client.js';
import { sandboxLauncher } from '../hub/launchers.js';
import { registerFakeMachines } from '../sandbox/machines.js';
import { CockpitPeer, cockpitInstalled, ctrlCToPrompt, interleaved, linesFlood, oneLineFlood, openAppShell, type PeerResult } from './cockpit.js';
import { rendererRssMiB, rssMiB } from './processes.js';
import { loadToAllRows } from './scale.js';
import { percentile, round } from './stats.js';
import { FLOOD_BYTES, watchLongTasks } from './terminal.js';
import type { Ctx } from './run.js';

const SB = 'bench';
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

export /** Cockpit's terminal beside the app's, same guest, same browser (see cockpit.ts). */
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
    log('peer: Ctrl-C during yes → prompt drawn (app), and in the accessibility tree (app with screen reader mode on, Cockpit)');
    const appSr = await openAppShell(browser, web.url);
    pages.push(appSr);
    await appSr.getByRole('button', { name: 'Display settings' }).click();
    await appSr.getByRole('switch', { name: 'Screen reader mode' }).check();
    await appSr.keyboard.press('Escape');
    await appSr.getByRole('region', { name: 'Terminal web' }).click();
    const cpCc = await cockpit.open(browser, state.leaderPid, true);
    pages.push(cpCc);
    // 20 trials: with 5 the p95 was the slowest sample (79–128 ms over this day's runs).
    const { samples: appCc, phases } = await ctrlCToPrompt(app, 'drawn', 20);
    const { samples: appTreeCc } = await ctrlCToPrompt(appSr, 'tree');
    const { samples: cockpitCc } = await ctrlCToPrompt(cpCc, 'tree');
    log('peer: one-line flood, app with screen reader mode off vs on');
    const oneLine = await interleaved(app, appSr, oneLineFlood(FLOOD_BYTES), mib, 2, (c) => c.includes('agent.cjs') || c.includes('pty-host.cjs') || c.includes('web-main.ts'));
    const r = (x: PeerResult) => ({
      appMs: x.appMs.map((v) => round(v)), peerMs: x.peerMs.map((v) => round(v)), ratios: x.ratios.map((v) => round(v, 2)),
      medianRatio: round(x.median, 2), appCpuSecPerMiB: round(x.appCpuSecPerMiB, 3), peerCpuSecPerMiB: round(x.peerCpuSecPerMiB, 3),
    });
    results.peer = {
      cockpitVersion: cockpitVersion(), linesFlood: r(lines), linesFloodCockpitScreenReaderTreeDetached: r(linesOff),
      // The app's prompt as drawn (DOM renderer rows); both in the accessibility tree, the only
      // text Cockpit's canvas exposes (xterm refreshes it at most once a second during output).
      ctrlCToPromptDrawn: { appP50Ms: round(percentile(appCc, 50)), appP95Ms: round(percentile(appCc, 95)), appSamplesMs: appCc.map((v) => round(v)), appPhases: phases,
        appTreeP50Ms: round(percentile(appTreeCc, 50)), appTreeP95Ms: round(percentile(appTreeCc, 95)),
        cockpitTreeP50Ms: round(percentile(cockpitCc, 50)), cockpitTreeP95Ms: round(percentile(cockpitCc, 95)) },
      oneLineFloodScreenReaderOnVsOff: { offMs: oneLine.appMs.map((v) => round(v)), onMs: oneLine.peerMs.map((v) => round(v)), medianRatio: round(oneLine.median, 2) },
    };
    results.terminal = { ...(results.terminal as object), ratioToCockpit: round(lines.median, 2), ratioToCockpitScreenReaderTreeDetached: round(linesOff.median, 2) };
  } finally {
    for (const p of pages) await p.close().catch((e: Error) => log(`peer: a page did not close: ${e.message}`));
    cockpit.stop();
  }
}

function cockpitVersion(): string {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'cockpit-ws'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}


export /** 10,000 machines (after the 1000 of 'scale'): page load → all rows, scrolling, memory. */
async function scale10kSection({ state, web, browser, results }: Ctx): Promise<void> {
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
  // A page of its own: the 'scale' section closes the shared one before its idle count.
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 }, bypassCSP: true });
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
  await page.close();
}

async function listMachinedCount(bus: Bus): Promise<number> {
  const [rows] = await bus.call('org.freedesktop.machine1', '/org/freedesktop/machine1', 'org.freedesktop.machine1.Manager', 'ListMachines');
  return (rows as unknown[]).length;
}

