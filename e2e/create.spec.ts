// New container from the Machines view against the sandbox host: every wrong field says so next
// to it and nothing is written; a container from scratch with static addresses comes up running
// with its address, and a failure keeps what was typed.
import { expect, test } from '@playwright/test';
import { expectState, openApp, row } from './helpers';
import { inHost } from './env';

test.describe.configure({ mode: 'serial' });

test.beforeEach(async ({ page }) => openApp(page));
test.afterAll(() => {
  inHost(['sh', '-c', 'machinectl terminate fresh-e2e 2>/dev/null; sleep 1; machinectl remove fresh-e2e 2>/dev/null; rm -f /etc/systemd/nspawn/fresh-e2e.nspawn /etc/systemd/network/10-ve-fresh-e2e.network; true']);
});

const nspawnFiles = () => inHost(['ls', '/etc/systemd/nspawn']).split('\n').filter(Boolean).sort();

test('wrong fields are named where they are, and nothing is written', async ({ page }) => {
  const before = nspawnFiles();
  await page.getByRole('button', { name: 'New container…' }).click();
  const dialog = page.getByRole('dialog', { name: 'New container' });
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog.getByText('a name for the machine')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Name' }).fill('db');
  await expect(dialog.getByText('a machine or image named db exists already')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Name' }).fill('a_b');
  await expect(dialog.getByText('not a valid machine name')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Name' }).fill('fresh-e2e');
  await dialog.getByText('veth, static addresses', { exact: true }).click();
  await dialog.getByRole('textbox', { name: 'Host end (ve-NAME)' }).fill('10.77.6.1');
  await dialog.getByRole('textbox', { name: 'Container end (host0)' }).fill('10.77.7.2/24');
  await expect(dialog.getByText('use address/prefix, e.g. 192.168.42.1/24 or fc42::1/64')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Host end (ve-NAME)' }).fill('10.77.6.1/24');
  await expect(dialog.getByText("not in the host end's subnet (10.77.6.1/24)")).toBeVisible();
  await dialog.getByRole('button', { name: 'Add bind' }).click();
  await dialog.getByRole('textbox', { name: 'Bind 1: host directory' }).fill('/srv/../etc');
  await dialog.getByRole('textbox', { name: 'Bind 1: path in the container' }).fill('/etc-of-host');
  await expect(dialog.getByText('no ".." in the path')).toBeVisible();
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toBeVisible();
  expect(nspawnFiles()).toEqual(before);
});

test('from scratch with static addresses: created, running, and listed with its address', async ({ page }) => {
  inHost(['mkdir', '-p', '/srv/e2e-data']);
  await page.getByRole('button', { name: 'New container…' }).click();
  const dialog = page.getByRole('dialog', { name: 'New container' });
  await dialog.getByRole('textbox', { name: 'Name' }).fill('fresh-e2e');
  await dialog.getByText('veth, static addresses', { exact: true }).click();
  await dialog.getByRole('textbox', { name: 'Host end (ve-NAME)' }).fill('10.77.6.1/24');
  await dialog.getByRole('textbox', { name: 'Container end (host0)' }).fill('10.77.6.2/24');
  // A bind to a host directory that is not there: the host refuses, and the form keeps everything.
  await dialog.getByRole('button', { name: 'Add bind' }).click();
  await dialog.getByRole('textbox', { name: 'Bind 1: host directory' }).fill('/srv/e2e-missing');
  await dialog.getByRole('textbox', { name: 'Bind 1: path in the container' }).fill('/data');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog.getByRole('alert')).toContainText('bind source /srv/e2e-missing does not exist on the host');
  await expect(dialog.getByRole('textbox', { name: 'Container end (host0)' })).toHaveValue('10.77.6.2/24');
  await dialog.getByRole('textbox', { name: 'Bind 1: host directory' }).fill('/srv/e2e-data');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toBeHidden({ timeout: 90_000 });
  await expectState(page, 'fresh-e2e', 'running');
  await expect(row(page, 'fresh-e2e')).toContainText('10.77.6.2', { timeout: 30_000 });
});
