// The Electron shell, where its binary exists. Here (no download possible) it skips and says why.
import { test, expect, _electron as electron } from '@playwright/test';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SANDBOX } from './env';

function electronBinary(): string | undefined {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown as string;
    return existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

const bin = electronBinary();
const hasDisplay = !!(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const why = !bin
  ? 'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD=1: it cannot be downloaded on this machine)'
  : !hasDisplay ? 'no display (set DISPLAY, e.g. under xvfb-run)' : '';
if (why) console.log(`[electron e2e] skipped: ${why}`);

test.describe('Electron shell', () => {
  test.skip(!!why, why);

  test('opens a locked-down window that lists the machines', async () => {
    const app = await electron.launch({ executablePath: bin, args: ['.'], env: { ...process.env, NSD_SANDBOX: SANDBOX } });
    const win = await app.firstWindow();
    await expect(win.getByRole('table', { name: 'Machines' })).toBeVisible();
    await expect(win.getByRole('button', { name: 'Details of web', exact: true })).toBeVisible();
    // No Node in the page, and window.open is denied.
    expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await win.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    const opened = await win.evaluate(() => (globalThis as unknown as { open(u: string): unknown }).open('https://example.com') === null);
    expect(opened).toBe(true);
    await app.close();
  });

  test('pops a terminal out into a second window that is just as locked down', async () => {
    const app = await electron.launch({ executablePath: bin, args: ['.'], env: { ...process.env, NSD_SANDBOX: SANDBOX } });
    const win = await app.firstWindow();
    await win.getByRole('button', { name: 'Open shell on web' }).click();
    const popOut = win.getByRole('button', { name: 'Pop out' });
    await expect(popOut).toBeEnabled({ timeout: 30_000 });
    const [popup] = await Promise.all([app.waitForEvent('window'), popOut.click()]);
    await expect(popup.getByRole('region', { name: 'Terminal web' })).toBeVisible();
    await expect(win.getByRole('tab', { name: 'web', exact: true })).toHaveCount(0);
    expect(await popup.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    // A pop-out cannot open further windows of its own.
    expect(await popup.evaluate(() => (globalThis as unknown as { open(u: string): unknown }).open('file:///etc/passwd') === null)).toBe(true);
    // Closing the pop-out gives the session back to the main window.
    await popup.close();
    await expect(win.getByRole('tab', { name: 'web', exact: true })).toHaveCount(1, { timeout: 10_000 });
    await app.close();
  });
});
