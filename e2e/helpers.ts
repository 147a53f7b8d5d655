import { expect, type Page, type Locator } from '@playwright/test';
import { Bus } from '../agent/dbus/bus';
import { e2eState } from './env';

export async function openApp(page: Page): Promise<void> {
  await page.goto(e2eState().url);
  await expect(page.getByRole('table', { name: 'Machines' })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText(/connected/i);
}

/** The list row of a machine, found through its name button. */
export function row(page: Page, name: string): Locator {
  return page.getByRole('row').filter({ has: page.getByRole('button', { name: `Details of ${name}`, exact: true }) });
}

export async function expectState(page: Page, name: string, state: string, timeout = 30_000): Promise<void> {
  await expect(row(page, name).getByRole('cell').nth(2)).toHaveText(state, { timeout });
}

/** A direct line to the sandbox's bus, to check what machined and systemd say. */
export async function withBus<T>(fn: (bus: Bus) => Promise<T>): Promise<T> {
  const bus = await Bus.connect(e2eState().busAddress);
  try {
    return await fn(bus);
  } finally {
    bus.disconnect();
  }
}

/** Turns on screen reader mode (Display settings in the header): terminal text then reaches the
 * accessibility tree, where tests read it. */
export async function screenReaderOn(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Display settings' }).click();
  const sr = page.getByRole('switch', { name: 'Screen reader mode' });
  if (!(await sr.isChecked())) await sr.check();
  await page.keyboard.press('Escape');
}
