// Machine details against the sandbox: status, the container journal live, resource numbers.
import { expect, test } from '@playwright/test';
import { openApp } from './helpers';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { e2eState, inHost } from './env';

test.describe.configure({ mode: 'serial' });

test.beforeAll(() => {
  inHost(['systemctl', 'start', 'systemd-nspawn@web.service']);
});

test.beforeEach(async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Details of web', exact: true }).click();
});

test('shows web\'s OS, address, unit status and .nspawn settings', async ({ page }) => {
  const overview = page.getByRole('table', { name: 'Overview of web' });
  await expect(overview).toContainText('Debian GNU/Linux 12 (bookworm)');
  await expect(overview).toContainText(/\d+\.\d+\.\d+\.\d+/);
  await expect(overview).toContainText('active (running)');
  await expect(overview).toContainText('/var/lib/machines/web');
  await expect(page.getByText('From /etc/systemd/nspawn/web.nspawn')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Settings of web' })).toContainText('BindReadOnly');
  const cmd = page.getByRole('group', { name: 'Shell command line' });
  await expect(cmd).toContainText('machinectl shell root@web');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await cmd.getByRole('button', { name: 'Copy command' }).click();
  await expect(cmd.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('machinectl shell root@web');
});

test('streams a line written with logger inside the guest', async ({ page }) => {
  await page.getByRole('tab', { name: 'Journal' }).click();
  const log = page.getByRole('log', { name: 'Journal of web' });
  await expect(log).toContainText('systemd', { timeout: 10_000 });
  const marker = `nsd-e2e-${Date.now()}`;
  const t0 = Date.now();
  inHost(['systemd-run', '-M', 'web', '--wait', '--quiet', '/usr/bin/logger', '-t', 'e2e', marker]);
  await expect(log).toContainText(marker, { timeout: 5000 });
  console.log(`[journal] logger → visible in ${Date.now() - t0} ms`);
  await page.getByRole('textbox', { name: 'Search journal' }).fill(marker);
  // Only lines with the marker stay (logger's own line, and systemd-run's that names the command).
  await expect(log).not.toContainText('Reached target');
  await expect(log).toContainText(marker);
});

test('shows CPU and memory numbers that change under load', async ({ page }) => {
  await page.getByRole('tab', { name: 'Resources' }).click();
  const cpu = page.getByLabel('CPU', { exact: true });
  const mem = page.getByLabel('Memory', { exact: true });
  await expect(cpu).toHaveText(/\d+\.\d %/);
  await expect(mem).toHaveText(/\d+(\.\d)? (KiB|MiB|GiB)/);
  const memBefore = await mem.innerText();
  inHost(['systemd-run', '-M', 'web', '--unit=nsd-e2e-burn', '--collect', '/usr/bin/timeout', '6', '/bin/sh', '-c', 'x=$(head -c 30000000 /dev/zero | tr "\\0" a); while :; do :; done']);
  await expect.poll(async () => parseFloat(await cpu.innerText()), { timeout: 15_000 }).toBeGreaterThan(20);
  await expect.poll(() => mem.innerText(), { timeout: 15_000 }).not.toBe(memBefore);
});

test('journal: dated lines, long lines wrap on demand, export, an earlier boot, and a stopped machine\'s unit log', async ({ page }) => {
  await page.getByRole('tab', { name: 'Journal' }).click();
  const log = page.getByRole('log', { name: 'Journal of web' });
  await expect(log).toContainText(/\d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}:\d{2}/, { timeout: 15_000 });
  const marker = `long-${Date.now()}-${'y'.repeat(900)}`;
  inHost(['systemd-run', '-M', 'web', '--wait', '--quiet', '/usr/bin/logger', '-t', 'e2e', marker]);
  const line = log.getByText(marker, { exact: true });
  await expect(line).toBeVisible({ timeout: 10_000 });
  const cut = (await line.boundingBox())!.height;
  await page.getByRole('switch', { name: 'Wrap long lines' }).check();
  await expect.poll(async () => (await line.boundingBox())!.height).toBeGreaterThan(cut * 4);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export shown lines' }).click()]);
  const text = readFileSync((await download.path())!, 'utf8');
  expect(download.suggestedFilename()).toMatch(/^journal-web-.*\.log$/);
  expect(text).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z e2e\\[\\d+\\]: ${marker}$`, 'm'));

  // After a reboot of web, the boot with the marker is the previous one, read to its end.
  inHost(['systemctl', 'restart', 'systemd-nspawn@web.service']);
  await expect.poll(() => spawnSync('nsenter', ['-t', String(e2eState().leaderPid), '-a', 'systemctl', '-M', 'web', 'is-system-running'], { encoding: 'utf8' }).stdout.trim(), { timeout: 30_000 }).toMatch(/running|degraded/);
  await page.getByRole('combobox', { name: 'Boot' }).click();
  await page.getByRole('option', { name: 'Previous boot' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'end of that boot\'s journal' })).toBeVisible({ timeout: 15_000 });
  await expect(log).toContainText(/Shutting down|Journal stopped/);
  await page.getByRole('textbox', { name: 'Search journal' }).fill(marker.slice(0, 30));
  await expect(log).toContainText(marker.slice(0, 30));
  await page.getByRole('textbox', { name: 'Search journal' }).fill('');

  // Stopped: the container's own journal cannot be read; its unit's log on the host is shown instead.
  inHost(['systemctl', 'stop', 'systemd-nspawn@web.service']);
  await page.getByRole('combobox', { name: 'Boot' }).click();
  await page.getByRole('option', { name: 'This boot (follow)' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'web is not running: its own journal can be read only while it runs' })).toBeVisible({ timeout: 15_000 });
  await expect(log).toContainText(/systemd-nspawn|Stopped|Container web/, { timeout: 15_000 });
  await expect(page.getByRole('status').filter({ hasText: 'journalctl exited' })).toHaveCount(0);
  inHost(['systemctl', 'start', 'systemd-nspawn@web.service']);
});
