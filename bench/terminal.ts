// Terminal benchmarks: a flood through a real `machinectl shell` rendered by xterm.js in the app,
// against xterm.js writing the same bytes from memory in the same page (the UI limit) and a raw
// node-pty read of the same command (the pty limit); Ctrl-C latency during a `yes` flood.
import { createRequire } from 'node:module';
import * as pty from 'node-pty';
import WebSocket from 'ws';
import type { Page } from '@playwright/test';
import { FLOW } from '../shared/contract.js';
import { percentile } from './stats.js';
import { TERMINAL_OPTIONS } from '../renderer/src/terminals/options.js';
import { DRAINED_MARK } from '../renderer/src/terminals/output-queue.js';

const require = createRequire(import.meta.url);
export const FLOOD_BYTES = Number(process.env.NSD_BENCH_FLOOD_MB ?? 16) * 1024 * 1024;
const floodCmd = (bytes: number) => `head -c ${bytes} /dev/zero | tr '\\0' x`;

/**
 * The pty limit: node-pty reading the same command through machinectl shell, no UI. Timed from
 * the first byte to the end marker. If the session ends first (machinectl once dropped the last
 * few KiB of a flood here), it is timed to the last byte and says so.
 */
export function ptyFlood(execPrefix: string[], bytes = FLOOD_BYTES): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const argv = [...execPrefix, 'machinectl', 'shell', '--', 'root@web', '/bin/sh', '-c', `${floodCmd(bytes)}; echo; echo BENCH-END`];
    let t0 = 0;
    let tLast = 0;
    let n = 0;
    let tail = '';
    let done = false;
    const p = pty.spawn(argv[0], argv.slice(1), { cols: 80, rows: 24, env: { PATH: process.env.PATH, TERM: 'xterm-256color' } });
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`pty flood stalled at ${n} bytes`));
    }, 120_000);
    const finish = () => {
      done = true;
      clearTimeout(timer);
      resolve({ ms: tLast - t0, bytes: n });
    };
    p.onData((d) => {
      if (done) return;
      tLast = performance.now();
      if (!t0) t0 = tLast;
      n += d.length;
      tail = (tail + d).slice(-64);
      if (tail.includes('BENCH-END')) {
        finish();
        p.kill('SIGKILL');
      }
    });
    p.onExit(() => {
      if (done) return;
      process.stderr.write(`[bench] pty flood: the session ended before its end marker, ${bytes - n} bytes short; timed to its last byte\n`);
      finish();
    });
  });
}

/** Installs a long-task observer in the page; returns a reader of the longest task since. */
export async function watchLongTasks(page: Page): Promise<() => Promise<number>> {
  await page.evaluate(`(() => {
    window.__nsdLong = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__nsdLong = Math.max(window.__nsdLong, e.duration);
    }).observe({ type: 'longtask', buffered: false });
  })()`);
  return () => page.evaluate('window.__nsdLong') as Promise<number>;
}

/**
 * Counts, inside the page, the terminal data it receives, the acks it sends (the renderer acks
 * after xterm.js's write callbacks, i.e. parsed) and the session's exit. In-page so that no
 * frame crosses the DevTools protocol during the measurement. The page talks to the backend
 * through the worker that owns the WebSocket, so this counts at the page's side of that worker.
 * Call before page.goto.
 */
export async function instrumentSockets(page: Page): Promise<void> {
  await page.addInitScript(`(() => {
    const st = window.__nsdFlood = { on: false, t0: 0, tLast: 0, received: 0, acked: 0, exited: false, lastDataAt: 0, drainedAt: 0 };
    // The app marks when xterm.js has taken in all output it received.
    new PerformanceObserver((l) => { for (const e of l.getEntries()) if (st.on && e.name === '${DRAINED_MARK}') st.drainedAt = e.startTime; }).observe({ type: 'mark' });
    const Orig = window.Worker;
    window.Worker = class extends Orig {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => {
          const m = e.data;
          if (!st.on || m.type !== 'frame' || m.frame.t !== 'evt') return;
          if (m.frame.name === 'terminal.data') {
            if (!st.t0) st.t0 = performance.now();
            st.lastDataAt = performance.now();
            st.received += m.frame.payload.data.length;
          } else if (m.frame.name === 'terminal.exit') {
            st.exited = true;
          }
        });
      }
      postMessage(m, ...rest) {
        if (st.on && m.type === 'send' && m.data.includes('"terminal.ack"')) {
          st.acked += JSON.parse(m.data).params.chars;
          st.tLast = performance.now();
        }
        return super.postMessage(m, ...rest);
      }
    };
  })()`);
}

export interface Box { width: number; height: number }

/**
 * A flood in a real shell tab of the app: from the first output frame the page receives until
 * the session has ended and every char it received was written by xterm.js (acked, and the app's
 * mark that xterm.js has taken all of it in came after the last output).
 */
export async function uiFlood(page: Page, bytes = FLOOD_BYTES): Promise<{ ms: number; longestTaskMs: number; box: Box; chars: number }> {
  await page.getByRole('tab', { name: 'Machines' }).click();
  await page.keyboard.press('Control+Shift+KeyT');
  const dialog = page.getByRole('dialog', { name: 'New shell' });
  await dialog.getByRole('combobox', { name: 'Machine' }).click();
  await page.getByRole('option', { name: 'web', exact: true }).click();
  await dialog.getByRole('textbox', { name: 'Command (optional)' }).fill(`/bin/sh -c "${floodCmd(bytes)}"`);
  const longest = await watchLongTasks(page);
  await page.evaluate('Object.assign(window.__nsdFlood, { on: true, t0: 0, tLast: 0, received: 0, acked: 0, exited: false, lastDataAt: 0, drainedAt: 0 })');
  await dialog.getByRole('button', { name: 'Open' }).click();
  const done = await page.waitForFunction(`(() => {
    const st = window.__nsdFlood;
    return st.exited && st.received - st.acked < ${FLOW.ACK_CHARS} && st.drainedAt >= st.lastDataAt ? { ms: Math.max(st.tLast, st.drainedAt) - st.t0, chars: st.received } : false;
  })()`, undefined, { timeout: 300_000, polling: 100 });
  const { ms, chars } = (await done.jsonValue()) as { ms: number; chars: number };
  await page.evaluate('window.__nsdFlood.on = false');
  const longestTaskMs = await longest();
  const box = (await page.locator('.xterm').first().boundingBox())!;
  await page.getByRole('button', { name: 'Close tab' }).click();
  return { ms, longestTaskMs, box, chars };
}

/**
 * The UI limit: the same bytes written from memory into an xterm.js of the same page, with the
 * app's options and addons, fitted to the app terminal's size (rendering cost grows with its size).
 */
export async function memoryFlood(page: Page, box: Box, bytes = FLOOD_BYTES): Promise<number> {
  if (!(await page.evaluate('!!window.Terminal'))) {
    await page.addScriptTag({ path: require.resolve('@xterm/xterm/lib/xterm.js') });
    for (const addon of ['fit', 'unicode11', 'web-links']) {
      await page.addScriptTag({ path: require.resolve(`@xterm/addon-${addon}/lib/addon-${addon}.js`) });
    }
  }
  // A string, not a function: tsx's name-keeping helpers do not exist inside the page.
  return page.evaluate(`(async ({ total, box, options }) => {
    const host = document.createElement('div');
    host.style.cssText = 'position:fixed;left:0;top:0;z-index:9999;background:#000;width:' + box.width + 'px;height:' + box.height + 'px';
    document.body.appendChild(host);
    const term = new window.Terminal(options);
    const fit = new window.FitAddon.FitAddon();
    term.loadAddon(fit);
    term.loadAddon(new window.WebLinksAddon.WebLinksAddon());
    term.loadAddon(new window.Unicode11Addon.Unicode11Addon());
    term.unicode.activeVersion = '11';
    term.open(host);
    fit.fit();
    const chunk = 'x'.repeat(64 * 1024);
    const t0 = performance.now();
    await new Promise((resolve) => {
      let written = 0;
      let inFlight = 0;
      const pump = () => {
        while (inFlight < 2 && written < total) {
          inFlight++;
          written += chunk.length;
          term.write(chunk, () => {
            inFlight--;
            if (written >= total && inFlight === 0) resolve();
            else pump();
          });
        }
      };
      pump();
    });
    const ms = performance.now() - t0;
    term.dispose();
    host.remove();
    return ms;
  })(${JSON.stringify({ total: bytes, box, options: TERMINAL_OPTIONS })})`);
}

/**
 * The UI limit on a busy machine: the in-memory flood while pty floods run back to back through
 * machinectl shell with no UI. Not a goal: it shows how much of the gap to the UI limit is CPU
 * that the pty chain takes (about 0.03 core-seconds per MiB, measured here) on a small machine.
 * Harsher than the app's own case: this load runs at the pty limit, the app's chain at its pace.
 */
export async function memoryFloodUnderPtyLoad(page: Page, box: Box, execPrefix: string[]): Promise<number> {
  let busy = true;
  const load = (async () => {
    while (busy) await ptyFlood(execPrefix);
  })();
  try {
    return await memoryFlood(page, box);
  } finally {
    busy = false;
    await load;
  }
}

/** Ctrl-C during `yes`, at the protocol level: time until the prompt is back. */
export async function ctrlCLatency(url: string, trials = 10): Promise<{ p50: number; p95: number; samples: number[] }> {
  const u = new URL(url);
  const token = new URLSearchParams(u.hash.slice(1)).get('token')!;
  const ws = new WebSocket(`ws://${u.host}/ws?token=${token}`, { headers: { Origin: `http://${u.host}` } });
  // The hub's first frame lists its hosts; requests name the one they are for.
  const host = await new Promise<string>((resolve) => ws.once('message', (raw) => resolve((JSON.parse(String(raw)) as { payload: { id: string }[] }).payload[0].id)));
  let nextId = 1;
  let onData: (d: string) => void = () => undefined;
  const pending = new Map<number, (v: unknown) => void>();
  ws.on('message', (raw) => {
    const f = JSON.parse(String(raw));
    if (f.t === 'res') pending.get(f.id)?.(f.result);
    else if (f.name === 'terminal.data') {
      onData(f.payload.data);
      ws.send(JSON.stringify({ t: 'req', id: nextId++, host, method: 'terminal.ack', params: { id: f.payload.id, chars: f.payload.data.length } }));
    }
  });
  const call = (method: string, params: unknown) => new Promise<unknown>((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ t: 'req', id, host, method, params }));
  });
  const { id } = (await call('terminal.open', { machine: 'web', mode: 'shell', cols: 80, rows: 24 })) as { id: string };
  const waitFor = (re: RegExp) => new Promise<void>((resolve) => {
    let tail = '';
    onData = (d) => {
      tail = (tail + d).slice(-200);
      if (re.test(tail)) resolve();
    };
  });
  const prompt = /root@web:[^\n]*# $/;
  await call('terminal.write', { id, data: '\r' });
  await waitFor(prompt);
  const samples: number[] = [];
  for (let i = 0; i < trials; i++) {
    await call('terminal.write', { id, data: 'yes\r' });
    await new Promise((r) => setTimeout(r, 1000));
    const back = waitFor(prompt);
    const t0 = performance.now();
    await call('terminal.write', { id, data: '\x03' });
    await back;
    samples.push(performance.now() - t0);
  }
  await call('terminal.close', { id });
  ws.close();
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), samples };
}
