// The peer: Cockpit's terminal (Debian's cockpit-ws + cockpit-bridge, standalone on loopback) and
// the app's terminal, driven the same way in the same Chromium: a shell in the same guest (web),
// the same flood typed at its prompt, timed in the page from the Enter key to the end marker's
// frame having been taken in and the page idle again (xterm.js has drawn what it was given).
// Interleaved pairs (app, Cockpit, app, …); CPU seconds per MiB of each side's backend processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import { median } from './stats.js';
import { procTicks } from './processes.js';
import { DRAINED_MARK } from '../renderer/src/terminals/output-queue.js';

const COCKPIT_WS = '/usr/lib/cockpit/cockpit-ws';
const MARKER_CMD = 'END-$((40+2))';
const MARKER = 'END-42';
/** The flood folded into lines (as real output is), and on one line (the case that hurt). */
export const linesFlood = (bytes: number) => `clear; head -c ${bytes} /dev/zero | tr '\\0' x | fold -w 199; echo; echo ${MARKER_CMD}`;
export const oneLineFlood = (bytes: number) => `clear; head -c ${bytes} /dev/zero | tr '\\0' x; echo; echo ${MARKER_CMD}`;

export const cockpitInstalled = () => existsSync(COCKPIT_WS) && existsSync('/usr/share/cockpit/systemd/terminal.html');

/** Counts, in the page, frames on any WebSocket or from any Worker (the app's socket lives in one):
 * when Enter was pressed, and when the frame with the marker came. In-page, no CDP traffic. */
const INSTRUMENT = `(() => {
  const st = window.__peer = { armed: false, t0: 0, markerAt: 0, app: false, drainedAt: 0 };
  const look = (data) => {
    if (!st.armed || !st.t0 || st.markerAt) return;
    // The app's worker posts frames as objects: its terminal text is read where it is, not
    // serialized again (that cost the app's side alone ~2 %).
    const out = data && data.frame && data.frame.payload && data.frame.payload.data;
    const text = typeof data === 'string' ? data : typeof out === 'string' ? out : data instanceof ArrayBuffer ? new TextDecoder().decode(data) : JSON.stringify(data);
    if (text.includes('${MARKER}')) st.markerAt = performance.now();
  };
  const WS = window.WebSocket;
  window.WebSocket = class extends WS { constructor(...a) { super(...a); this.addEventListener('message', (e) => look(e.data)); } };
  const W = window.Worker;
  // The app (its socket is in a worker) marks when xterm.js has taken in all output: its time is
  // counted to there, not only to the marker's arrival.
  window.Worker = class extends W { constructor(...a) { super(...a); st.app = true; this.addEventListener('message', (e) => look(e.data)); } };
  new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.name === '${DRAINED_MARK}') st.drainedAt = e.startTime; }).observe({ type: 'mark' });
  document.addEventListener('keydown', (e) => { if (st.armed && !st.t0 && e.key === 'Enter') st.t0 = performance.now(); }, true);
})()`;

/** Types `cmd` into the focused terminal and times Enter → marker taken in (by xterm.js, in the
 * app) and the page idle. */
async function timeCommand(page: Page, cmd: string): Promise<number> {
  // A page behind another gets no animation frames, and xterm.js draws in them.
  await page.bringToFront();
  await page.evaluate('Object.assign(window.__peer, { armed: false, t0: 0, markerAt: 0, drainedAt: 0 })');
  await page.keyboard.type(cmd);
  await page.evaluate('window.__peer.armed = true');
  await page.keyboard.press('Enter');
  const h = await page.waitForFunction('window.__peer.markerAt > 0 && (!window.__peer.app || window.__peer.drainedAt > window.__peer.markerAt)', undefined, { timeout: 600_000, polling: 250 });
  await h.dispose();
  // Idle: no task left (xterm.js parses and draws what it was given in tasks of its own).
  return page.evaluate(`new Promise((resolve) => requestIdleCallback(() => resolve(performance.now() - window.__peer.t0), { timeout: 600000 }))`) as Promise<number>;
}

/** CPU ticks of each process whose command line matches, from /proc. */
function cpuTicksByPid(match: (cmdline: string) => boolean): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (match(readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' '))) ticks.set(p, procTicks(`/proc/${p}/stat`).ticks);
    } catch {
      continue; // exited while we looked
    }
  }
  return ticks;
}

/** CPU seconds the matching processes use while `fn` runs: per process, so one that exits meanwhile
 * (a pty host idle for 30 s) does not take its whole past off the sum, and one that starts counts. */
export async function cpuSecondsDuring<T>(match: (cmdline: string) => boolean, fn: () => Promise<T>): Promise<{ result: T; cpu: number }> {
  const before = cpuTicksByPid(match);
  const result = await fn();
  let ticks = 0;
  for (const [pid, t] of cpuTicksByPid(match)) ticks += t - (before.get(pid) ?? 0);
  return { result, cpu: ticks / 100 };
}

export class CockpitPeer {
  private constructor(private readonly ws: ChildProcess, readonly url: string) {}

  static async start(port: number): Promise<CockpitPeer> {
    const ws = spawn(COCKPIT_WS, ['--no-tls', '--address', '127.0.0.1', '--port', String(port), '--local-session=cockpit-bridge'], { stdio: 'ignore' });
    const url = `http://127.0.0.1:${port}/cockpit/@localhost/system/terminal.html`;
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(url).then((r) => r.ok, () => false);
      if (ok) return new CockpitPeer(ws, url);
      await new Promise((r) => setTimeout(r, 100));
    }
    ws.kill();
    throw new Error('cockpit-ws did not answer within 10 s');
  }

  stop(): void {
    this.ws.kill();
  }

  /** A page with Cockpit's terminal in a shell of the guest; `accessibility: false` detaches its
   * screen reader tree (Cockpit 287 has no setting for it; xterm.js still fills its live region). */
  async open(browser: Browser, leaderPid: number, accessibility: boolean): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 }, bypassCSP: true });
    await page.addInitScript(INSTRUMENT);
    await page.goto(this.url);
    await page.locator('.xterm').waitFor();
    await page.waitForFunction('(document.querySelector(".xterm-accessibility")?.textContent ?? "").includes("#")', undefined, { timeout: 30_000 });
    await page.locator('.xterm').click();
    await page.keyboard.type(`nsenter -t ${leaderPid} -a machinectl shell web\n`);
    await page.waitForFunction('(document.querySelector(".xterm-accessibility")?.textContent ?? "").includes("root@web")', undefined, { timeout: 30_000 });
    if (!accessibility) await page.evaluate('document.querySelector(".xterm-accessibility")?.remove()');
    return page;
  }
}

/** The app's page with a shell tab on web, focused, instrumented the same way. */
export async function openAppShell(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 }, bypassCSP: true });
  await page.addInitScript(INSTRUMENT);
  await page.goto(url);
  await page.getByRole('button', { name: 'Open shell on web' }).click({ timeout: 60_000 });
  const term = page.getByRole('region', { name: 'Terminal web' });
  await term.click();
  await timeCommand(page, `echo ${MARKER_CMD}`); // the prompt is there once a command's output comes back
  return page;
}

export interface PeerResult {
  appMs: number[]; peerMs: number[]; ratios: number[]; median: number;
  /** Backend CPU seconds per MiB of flood: the app's hub, agent and pty host; Cockpit's ws and bridge. */
  appCpuSecPerMiB: number; peerCpuSecPerMiB: number;
}

const APP_BACKEND = (c: string) => c.includes('agent.cjs') || c.includes('pty-host.cjs') || c.includes('web-main.ts');
const COCKPIT_BACKEND = (c: string) => c.includes('cockpit-ws') || c.includes('cockpit-bridge');

/** Interleaved pairs of the same command: app, peer, app, peer… `mib`: the flood's size. */
export async function interleaved(app: Page, peer: Page, cmd: string, mib: number, pairs = 3, peerBackend = COCKPIT_BACKEND): Promise<PeerResult> {
  const appMs: number[] = [];
  const peerMs: number[] = [];
  let appCpu = 0;
  let peerCpu = 0;
  const timed = async (page: Page, backend: (c: string) => boolean) => {
    const { result: ms, cpu } = await cpuSecondsDuring(backend, () => timeCommand(page, cmd));
    return { ms, cpu };
  };
  for (let i = 0; i < pairs; i++) {
    const a = await timed(app, APP_BACKEND);
    appMs.push(a.ms);
    appCpu += a.cpu;
    const p = await timed(peer, peerBackend);
    peerMs.push(p.ms);
    peerCpu += p.cpu;
  }
  const ratios = appMs.map((a, i) => peerMs[i] / a);
  return { appMs, peerMs, ratios, median: median(ratios), appCpuSecPerMiB: appCpu / pairs / mib, peerCpuSecPerMiB: peerCpu / pairs / mib };
}

/**
 * Ctrl-C during `yes`, timed in the page from the key to the prompt as the last line of the
 * screen. `rows`: 'drawn' reads xterm's DOM renderer (what the app draws where there is no
 * hardware WebGL, as here); 'tree' reads the accessibility tree (screen reader mode on), the only
 * text a canvas-drawn terminal such as Cockpit's exposes. xterm refreshes that tree at most once a
 * second during output (its AccessibilityManager's 1000 ms debounce), for both terminals alike.
 */
export interface CtrlCPhase { toFlushedMs: number; dropped: number; inXterm: number; inXtermAtFlush: number }

export async function ctrlCToPrompt(page: Page, rows: 'drawn' | 'tree', trials = 5): Promise<{ samples: number[]; phases: (CtrlCPhase | undefined)[] }> {
  const samples: number[] = [];
  const phases: (CtrlCPhase | undefined)[] = [];
  await page.bringToFront();
  // Installed (and awaited) before the key goes: the key time is taken in the page.
  await page.evaluate(`window.__cc = { t0: 0 }; document.addEventListener('keydown', (e) => {
    if (e.ctrlKey && e.key.toLowerCase() === 'c' && !window.__cc.t0) window.__cc.t0 = performance.now();
  }, { capture: true })`);
  const selector = rows === 'drawn' ? '.xterm-rows > div' : '.xterm-accessibility-tree > div';
  for (let i = 0; i < trials; i++) {
    await page.keyboard.type('yes\n');
    await page.waitForTimeout(1000);
    await page.evaluate('window.__cc.t0 = 0');
    await page.keyboard.press('Control+C');
    const ms = await page.evaluate(`new Promise((resolve) => {
      const check = () => {
        if (performance.now() - window.__cc.t0 > 30000) return resolve(-1);
        const rows = [...document.querySelectorAll(${JSON.stringify(selector)})].map((r) => (r.textContent ?? '').replace(/\\u00a0/g, ' ').trimEnd()).filter(Boolean);
        const last = rows[rows.length - 1] ?? '';
        if (window.__cc.t0 && /^root@web:[^#]*#$/.test(last)) resolve(performance.now() - window.__cc.t0);
        else requestAnimationFrame(check);
      };
      check();
    })`) as number;
    if (ms < 0) throw new Error(`no prompt drawn within 30 s of Ctrl-C; last lines: ${await page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((r) => r.textContent).filter((t) => t && t.trim()).slice(-3).join(" | ")`)}`);
    samples.push(ms);
    // The app marks its interrupt and the backend's flush marker (Cockpit has neither).
    phases.push(await page.evaluate(`(() => {
      const last = (n) => performance.getEntriesByName(n).at(-1);
      const i = last('terminal.interrupt');
      const f = last('terminal.flushed');
      return i && f && f.startTime >= i.startTime ? { toFlushedMs: f.startTime - window.__cc.t0, ...i.detail, inXtermAtFlush: f.detail.inXterm } : undefined;
    })()`) as CtrlCPhase | undefined);
    await page.keyboard.type('clear\n');
    await page.waitForTimeout(300);
  }
  return { samples, phases };
}
