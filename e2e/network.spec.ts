// Network panel against the sandbox: a real networkd reload on both ends of db's veth.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { openApp } from './helpers';
import { e2eState, inHost } from './env';

test.describe.configure({ mode: 'serial' });

const hostFile = () => readFileSync(`/proc/${e2eState().leaderPid}/root/etc/systemd/network/10-ve-db.network`, 'utf8');
const hostAddrs = () => inHost(['ip', '-o', 'addr', 'show', 'dev', 've-db']);
const guestAddrs = () => inHost(['systemd-run', '-M', 'db', '--wait', '--pipe', '--quiet', '/usr/sbin/ip', '-o', 'addr', 'show', 'dev', 'host0']);

async function openNetwork(page: Page, hostAddress = /192\.168\.42\.1\/24/, reload = false): Promise<void> {
  if (reload) await page.reload();
  await openApp(page);
  await page.getByRole('button', { name: 'Details of db', exact: true }).click();
  await page.getByRole('tab', { name: 'Network' }).click();
  await expect(page.getByRole('textbox', { name: 'Host addresses' })).toHaveValue(hostAddress);
}

test.beforeAll(() => {
  inHost(['systemctl', 'start', 'systemd-nspawn@db.service']);
});

test('changes db\'s addresses on both ends, keeps comments, and undo (still offered after a reload) restores them', async ({ page }) => {
  await openNetwork(page);
  const before = hostFile();
  expect(hostAddrs()).toContain('192.168.42.1/24');
  await page.getByRole('textbox', { name: 'Host addresses' }).fill('fc42::1/64\n192.168.43.1/24');
  await page.getByRole('textbox', { name: 'Container addresses' }).fill('fc42::2/64\n192.168.43.2/24');
  await page.getByRole('textbox', { name: 'Container gateways' }).fill('fc42::1\n192.168.43.1');
  await page.getByRole('button', { name: 'Preview changes' }).click();
  const diff = page.getByLabel('Diff of /etc/systemd/network/10-ve-db.network');
  await expect(diff).toContainText('-Address=192.168.42.1/24');
  await expect(diff).toContainText('+Address=192.168.43.1/24');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Applied' })).toContainText('ve-db reconfigured');

  const after = hostFile();
  expect(after).toContain('# static addressing, as in the nixos-nspawn README example');
  expect(after).toBe(before.replace('Address=192.168.42.1/24', 'Address=192.168.43.1/24'));
  await expect.poll(hostAddrs).toContain('192.168.43.1/24');
  expect(hostAddrs()).not.toContain('192.168.42.1/24');
  await expect.poll(guestAddrs).toContain('192.168.43.2/24');
  await expect(page.getByLabel('Live state of ve-db')).toContainText('192.168.43.1/24');
  // The machine list follows the apply (no signal says addresses changed).
  await page.getByRole('button', { name: 'Back to machines' }).click();
  const dbRow = page.getByRole('row').filter({ has: page.getByRole('button', { name: 'Details of db', exact: true }) });
  await expect(dbRow).toContainText('192.168.43.2');

  // The page forgets the Apply message on reload; the backend still offers the change's undo.
  await openNetwork(page, /192\.168\.43\.1\/24/, true);
  await expect(page.getByRole('group', { name: 'Last change' })).toContainText('/etc/systemd/network/10-ve-db.network');
  await page.getByRole('button', { name: 'Undo last change' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Undone' })).toBeVisible();
  expect(hostFile()).toBe(before);
  await expect.poll(hostAddrs).toContain('192.168.42.1/24');
  await expect.poll(guestAddrs).toContain('192.168.42.2/24');
  await page.getByRole('button', { name: 'Back to machines' }).click();
  await expect(dbRow).toContainText('192.168.42.2');
  await expect(dbRow).not.toContainText('192.168.43.2');
});

test('refuses invalid input next to the field and writes nothing', async ({ page }) => {
  await openNetwork(page);
  const before = hostFile();
  const field = page.getByRole('textbox', { name: 'Host addresses' });
  for (const bad of ['192.168.1.300/24', '10.1/8', '192.168.42.1/33', 'fc42::1/64\nfc42::1/64', '1.2.3.4/24\n[Exec]']) {
    await field.fill(bad);
    await expect(page.getByText(/line \d+: /)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Preview changes' })).toBeDisabled();
  }
  await page.getByRole('button', { name: 'Discard changes' }).click();
  expect(hostFile()).toBe(before);
});

test('an undo that stopped part-way is offered as such, finished from the panel, and a stale change can be forgotten', async ({ page }) => {
  const guestFile = () => `/proc/${e2eState().leaderPid}/root/proc/${inHost(['machinectl', 'show', 'db', '-p', 'Leader', '--value']).trim()}/root/etc/systemd/network/10-container-host0.network`;
  await openNetwork(page);
  const hostBefore = hostFile();
  const guestBefore = readFileSync(guestFile(), 'utf8');
  await page.getByRole('textbox', { name: 'Host addresses' }).fill('fc42::1/64\n192.168.42.1/24\n192.168.46.1/24');
  await page.getByRole('textbox', { name: 'Container addresses' }).fill('fc42::2/64\n192.168.42.2/24\n192.168.46.2/24');
  await page.getByRole('button', { name: 'Preview changes' }).click();
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Applied' })).toBeVisible();
  // As if an undo had put the host file back and then the app died.
  writeFileSync(`/proc/${e2eState().leaderPid}/root/etc/systemd/network/10-ve-db.network`, hostBefore);
  await openNetwork(page, /192\.168\.42\.1\/24/, true);
  const last = page.getByRole('group', { name: 'Last change' });
  await expect(last).toContainText('stopped part-way: 1 of 2 files are back');
  await last.getByRole('button', { name: 'Finish undo' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Undone' })).toContainText('10-container-host0.network');
  expect(readFileSync(guestFile(), 'utf8')).toBe(guestBefore);

  // A change whose file was edited by hand since can only be forgotten; forgetting leaves the file.
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await page.getByRole('textbox', { name: 'Container addresses' }).fill('fc42::2/64\n192.168.42.2/24\n192.168.47.2/24');
  await page.getByRole('button', { name: 'Preview changes' }).click();
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Applied' })).toBeVisible();
  const edited = `${readFileSync(guestFile(), 'utf8')}# edited by hand\n`;
  writeFileSync(guestFile(), edited);
  await openNetwork(page, /192\.168\.42\.1\/24/, true);
  await expect(last).toContainText('can no longer be undone: /etc/systemd/network/10-container-host0.network in db changed since this change was applied');
  await expect(last.getByRole('button', { name: 'Undo last change' })).toHaveCount(0);
  await last.getByRole('button', { name: 'Forget this change' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Forgotten' })).toBeVisible();
  expect(readFileSync(guestFile(), 'utf8')).toBe(edited);
  // Put the guest back as the other tests expect it.
  writeFileSync(guestFile(), guestBefore);
});

test('too many addresses and a gateway left pointing at nothing are said next to their fields', async ({ page }) => {
  await openNetwork(page);
  const field = page.getByRole('textbox', { name: 'Host addresses' });
  await field.fill(Array.from({ length: 33 }, (_, i) => `10.0.${i}.1/24`).join('\n'));
  await expect(page.getByText('line 33: at most 32 entries')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Preview changes' })).toBeDisabled();
  // The container's gateways point at the host side's addresses: emptying them warns (it may be meant).
  await page.getByRole('textbox', { name: 'Container gateways' }).fill('192.168.42.1');
  await field.fill('fc42::1/64');
  await expect(page.getByRole('status').filter({ hasText: 'Warning: the container\'s gateway 192.168.42.1 is not an address of this side' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Preview changes' })).toBeEnabled();
  await page.getByRole('button', { name: 'Discard changes' }).click();
});

test('unsaved edits: leaving the tab asks first; Stay keeps them, Discard drops them; the actions stay in view', async ({ page }) => {
  await openNetwork(page);
  await page.getByRole('textbox', { name: 'Host addresses' }).fill('fc42::1/64\n192.168.42.1/24\n192.168.48.1/24');
  await expect(page.getByRole('button', { name: 'Preview changes' })).toBeInViewport();
  await expect(page.getByRole('button', { name: 'Discard changes' })).toBeInViewport();
  await page.getByRole('tab', { name: 'Journal' }).click();
  const dialog = page.getByRole('dialog', { name: 'Discard unsaved changes?' });
  await expect(dialog).toContainText('The network changes on this machine are not applied.');
  await dialog.getByRole('button', { name: 'Stay', exact: true }).click();
  await expect(page.getByRole('textbox', { name: 'Host addresses' })).toHaveValue(/192\.168\.48\.1\/24/);
  await page.getByRole('button', { name: 'Back to machines' }).click();
  await dialog.getByRole('button', { name: 'Discard changes' }).click();
  await expect(page.getByRole('button', { name: 'Details of db', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Details of db', exact: true }).click();
  await page.getByRole('tab', { name: 'Network' }).click();
  await expect(page.getByRole('textbox', { name: 'Host addresses' })).toHaveValue('fc42::1/64\n192.168.42.1/24');
});

test('a drop-in\'s address is listed with its file, and new entries can go to the drop-in', async ({ page }) => {
  const dir = '/etc/systemd/network/10-ve-db.network.d';
  inHost(['mkdir', '-p', dir]);
  inHost(['sh', '-c', `printf '[Network]\\nAddress=10.9.9.1/24\\n' > ${dir}/50-extra.conf`]);
  try {
    await openNetwork(page);
    const where = page.getByRole('list', { name: 'Where the Host addresses are set' });
    await expect(where).toContainText(`10.9.9.1/24 in ${dir}/50-extra.conf`);
    await expect(where).toContainText('192.168.42.1/24 in /etc/systemd/network/10-ve-db.network');
    await page.getByRole('combobox', { name: 'Host: new entries go to' }).click();
    await page.getByRole('option', { name: `${dir}/50-extra.conf` }).click();
    await page.getByRole('textbox', { name: 'Host addresses' }).fill('fc42::1/64\n192.168.42.1/24\n10.9.9.1/24\n10.9.10.1/24');
    await page.getByRole('button', { name: 'Preview changes' }).click();
    await expect(page.getByLabel(`Diff of ${dir}/50-extra.conf`)).toContainText('+Address=10.9.10.1/24');
    await expect(page.getByLabel('Diff of /etc/systemd/network/10-ve-db.network', { exact: true })).toHaveCount(0);
    await page.getByRole('button', { name: 'Discard changes' }).click();
  } finally {
    inHost(['rm', '-rf', dir]);
  }
});
