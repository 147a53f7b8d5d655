// The machine list at scale: 1000 real machined entries in the sandbox.
import type { Page } from '@playwright/test';
import type { Bus } from '../agent/dbus/bus.js';
import { registerFakeMachines, registerMachine, spawnLeaders } from '../sandbox/machines.js';
import { percentile } from './stats.js';

/** Waits until the list says it knows at least `n` machines; returns the count it shows. */
async function waitForCount(page: Page, n: number, timeout = 120_000): Promise<number> {
  const handle = await page.waitForFunction((min) => {
    const m = /(\d+) of (\d+) machines/.exec(document.body.innerText);
    return m && Number(m[2]) >= min ? Number(m[2]) : false;
  }, n, { timeout, polling: 'raf' });
  return (await handle.jsonValue()) as number;
}

/** From the first registration to the open page showing every row (the backend digests a burst). */
export async function registerToAllRows(page: Page, bus: Bus, execPrefix: string[], count: number, expected: number) {
  const t0 = performance.now();
  await registerFakeMachines(bus, execPrefix, count, 'scale');
  const registerMs = performance.now() - t0;
  await waitForCount(page, expected);
  return { registerMs, toAllRowsMs: performance.now() - t0 };
}

/** A fresh page load while the backend already knows every machine. */
export async function loadToAllRows(page: Page, url: string, expected: number): Promise<number> {
  await page.goto('about:blank');
  const t0 = performance.now();
  await page.goto(url);
  await waitForCount(page, expected);
  return performance.now() - t0;
}

/** MachineNew → its row on screen, for machines registered one at a time. */
export async function machineNewLatency(page: Page, bus: Bus, execPrefix: string[], trials = 20) {
  const pids = await spawnLeaders(execPrefix, trials, 'lat');
  await page.getByRole('textbox', { name: 'Filter machines' }).fill('lat');
  const samples: number[] = [];
  for (let i = 0; i < trials; i++) {
    const name = `lat${i + 1}`;
    const t0 = performance.now();
    await registerMachine(bus, name, pids[i]);
    await page.getByRole('button', { name: `Details of ${name}`, exact: true }).waitFor({ timeout: 10_000 });
    samples.push(performance.now() - t0);
  }
  await page.getByRole('textbox', { name: 'Filter machines' }).fill('');
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), samples };
}
