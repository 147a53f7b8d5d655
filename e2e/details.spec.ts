// Machine details against the sandbox: status, the container journal live, resource numbers.
import { expect, test } from '@playwright/test';
import { openApp } from './helpers';
import { inHost } from './env';

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
