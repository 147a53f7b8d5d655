// The machine list at scale: 1000 real machined entries in the sandbox.
import type { Page } from '@playwright/test';
import type { Bus } from '../agent/dbus/bus.js';
import { registerFakeMachines, registerMachine, spawnLeaders } from '../sandbox/machines.js';

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
  const toAllRowsMs = performance.now() - t0;
  return { registerMs, toAllRowsMs, afterLastRegistrationMs: toAllRowsMs - registerMs };
}

/** A fresh page load while the backend already knows every machine. */
export async function loadToAllRows(page: Page, url: string, expected: number): Promise<number> {
  await page.goto('about:blank');
  const t0 = performance.now();
  await page.goto(url);
  await waitForCount(page, expected);
  return performance.now() - t0;
}

/** MachineNew → its row on screen, for machines registered one at a time: the samples, in ms. */
export async function machineNewLatency(page: Page, bus: Bus, execPrefix: string[], trials = 20, prefix = 'lat'): Promise<number[]> {
  const pids = await spawnLeaders(execPrefix, trials, prefix);
  await page.getByRole('textbox', { name: 'Filter machines' }).fill(prefix);
  const samples: number[] = [];
  // From machined's MachineNew as this bench's own connection receives it (the agent gets the same
  // broadcast), to the row in the page.
  const signalled = new Map<string, number>();
  const unsubscribe = await bus.subscribe({ sender: 'org.freedesktop.machine1', path: '/org/freedesktop/machine1', interface: 'org.freedesktop.machine1.Manager', member: 'MachineNew' },
    (sig) => signalled.set(String(sig.body[0]), Date.now()));
  for (let i = 0; i < trials; i++) {
    const name = `${prefix}${i + 1}`;
    // Timed in the page: the frame after the row is in the document (Playwright's own waiting
    // polls at 20–100 ms steps, coarser than what is measured). Both clocks are this machine's.
    await page.evaluate((n) => {
      const w = window as unknown as { rowAt: Promise<number> };
      w.rowAt = new Promise((resolve) => {
        const obs = new MutationObserver(() => {
          if (!document.querySelector(`[data-machine="${n}"]`)) return;
          obs.disconnect();
          requestAnimationFrame(() => resolve(Date.now()));
        });
        obs.observe(document.body, { childList: true, subtree: true });
      });
    }, name);
    await registerMachine(bus, name, pids[i]);
    const at = await page.evaluate(() => (window as unknown as { rowAt: Promise<number> }).rowAt);
    samples.push(at - signalled.get(name)!);
  }
  await unsubscribe();
  await page.getByRole('textbox', { name: 'Filter machines' }).fill('');
  return samples;
}
