// The Settings tab of db against the sandbox host: wrong values are named at their fields and
// nothing is written; a bind is previewed, applied (applies at next start) and undone; a
// credential's value is never shown again; MemoryMax reaches the unit and the memory graph.
import { expect, test, type Page } from '@playwright/test';
import { openApp, row } from './helpers';
import { inHost } from './env';

test.describe.configure({ mode: 'serial' });

async function openSettings(page: Page): Promise<void> {
  await openApp(page);
  await page.getByRole('button', { name: 'Details of db', exact: true }).click();
  await page.getByRole('tab', { name: 'Settings' }).click();
  await expect(page.getByRole('group', { name: 'Binds' })).toBeVisible();
}
test.beforeEach(async ({ page }) => openSettings(page));
test.afterAll(() => {
  inHost(['sh', '-c', 'rm -f /etc/systemd/system/systemd-nspawn@db.service.d/50-nspawn-desktop-*.conf; rm -rf /etc/credstore/nspawn-desktop/db; systemctl daemon-reload; systemctl set-property --runtime systemd-nspawn@db.service MemoryMax=infinity']);
});

test('wrong values are named at their fields and nothing is written', async ({ page }) => {
  const before = inHost(['cat', '/etc/systemd/nspawn/db.nspawn']);
  await page.getByRole('button', { name: 'Add bind' }).click();
  await page.getByRole('textbox', { name: /^Bind \d+: host directory$/ }).last().fill('/srv/../etc');
  await page.getByRole('textbox', { name: /^Bind \d+: path in the container$/ }).last().fill('/data');
  await page.getByRole('button', { name: 'Add port' }).click();
  await page.getByRole('textbox', { name: 'Port 1: host port' }).fill('8080');
  await page.getByRole('textbox', { name: 'Port 1: container port' }).fill('70000');
  await page.getByRole('button', { name: 'Add credential' }).click();
  await page.getByRole('textbox', { name: 'Credential 1: name' }).fill('a/b');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByText('no ".." in the path')).toBeVisible();
  await expect(page.getByText('1–65535')).toBeVisible();
  await expect(page.getByText('letters, digits and . _ - @ only (no "/")')).toBeVisible();
  expect(inHost(['cat', '/etc/systemd/nspawn/db.nspawn'])).toBe(before);
});

test('a bind is previewed, applied (at the next start) and undone', async ({ page }) => {
  inHost(['mkdir', '-p', '/srv/db-extra']);
  const before = inHost(['cat', '/etc/systemd/nspawn/db.nspawn']);
  await page.getByRole('button', { name: 'Add bind' }).click();
  await page.getByRole('textbox', { name: /^Bind \d+: host directory$/ }).last().fill('/srv/db-extra');
  await page.getByRole('textbox', { name: /^Bind \d+: path in the container$/ }).last().fill('/srv/extra');
  await page.getByRole('button', { name: 'Preview changes' }).click();
  await expect(page.getByRole('region', { name: 'Changes to /etc/systemd/nspawn/db.nspawn' })).toContainText('+Bind=/srv/db-extra:/srv/extra');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Applied' })).toContainText('Applies at the next start of db');
  await expect(page.getByRole('status').filter({ hasText: 'Applies at next start' })).toBeVisible();
  expect(inHost(['cat', '/etc/systemd/nspawn/db.nspawn'])).toContain('Bind=/srv/db-extra:/srv/extra');
  // The list, in another window, marks db until it restarts.
  const other = await page.context().newPage();
  await openApp(other);
  await expect(row(other, 'db')).toContainText('restart pending');
  await other.close();
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByText(/^Undone:/)).toBeVisible();
  expect(inHost(['cat', '/etc/systemd/nspawn/db.nspawn'])).toBe(before);
});

test('a credential is saved, and its value is never shown again', async ({ page }) => {
  await page.getByRole('button', { name: 'Add credential' }).click();
  await page.getByRole('textbox', { name: 'Credential 1: name' }).fill('api-token');
  await page.getByLabel('Credential 1: value').fill('e2e-secret-value');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Applied' })).toContainText('Credentials saved');
  await page.getByRole('tab', { name: 'Overview' }).click();
  await page.getByRole('tab', { name: 'Settings' }).click();
  await expect(page.getByRole('group', { name: 'Credentials' })).toContainText('saved (hidden)');
  await expect(page.getByRole('button', { name: 'Replace credential api-token' })).toBeVisible();
  expect(await page.content()).not.toContain('e2e-secret-value');
  await page.getByRole('button', { name: 'Remove credential api-token' }).click();
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Applied' })).toBeVisible();
  expect(inHost(['sh', '-c', 'ls /etc/credstore/nspawn-desktop/db 2>/dev/null | wc -l']).trim()).toBe('0');
});

test('MemoryMax: a word is refused at the field; 64M reaches the unit and the memory graph', async ({ page }) => {
  const field = page.getByRole('textbox', { name: 'MemoryMax' });
  await field.fill('lots');
  await expect(page.getByText('a size such as 512M, 10G or 1.5T')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Set limits' })).toBeDisabled();
  await field.fill('64M');
  await page.getByRole('button', { name: 'Set limits' }).click();
  await expect(page.getByText(/Set on the unit now/)).toBeVisible();
  expect(inHost(['systemctl', 'show', 'systemd-nspawn@db.service', '-p', 'MemoryMax', '--value']).trim()).toBe('67108864');
  await page.getByRole('tab', { name: 'Resources' }).click();
  await expect(page.getByRole('img', { name: 'Memory graph, limit 64 MiB' })).toBeVisible({ timeout: 15_000 });
});
