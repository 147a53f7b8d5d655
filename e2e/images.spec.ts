// The Images view against the sandbox host: clone, rename, limit, read-only and removal through
// dialogs that say what is wrong next to the field; an import with its progress; a pull refused
// before it starts. Works on a clone of db, so the other specs' machines stay as they were.
import { expect, test, type Page } from '@playwright/test';
import { openApp } from './helpers';
import { inHost } from './env';

test.describe.configure({ mode: 'serial' });

test.beforeEach(async ({ page }) => {
  await openApp(page);
  await page.getByRole('tab', { name: 'Images' }).click();
  await expect(imageRow(page, 'db')).toBeVisible();
});
test.afterAll(() => {
  for (const n of ['db-copy', 'db-renamed', 'small']) inHost(['sh', '-c', `machinectl remove ${n} 2>/dev/null; rm -f /etc/systemd/nspawn/${n}.nspawn; true`]);
  inHost(['rm', '-rf', '/srv/e2e-small', '/srv/e2e-small.tar']);
});

const imageRow = (page: Page, name: string) =>
  page.getByRole('table', { name: 'Images' }).getByRole('row').filter({ has: page.getByText(name, { exact: true }) });

test('clones db: a bad or taken name is refused at the field, a good one appears in the list', async ({ page }) => {
  await page.getByRole('button', { name: 'Clone db', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Clone db' });
  const field = dialog.getByRole('textbox', { name: 'New name' });
  await field.fill('db_2');
  await expect(dialog.getByText('not a valid machine name')).toBeVisible();
  await field.fill('web');
  await expect(dialog.getByText('an image named web exists already')).toBeVisible();
  await field.fill('db-copy');
  await dialog.getByRole('button', { name: 'Clone', exact: true }).click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
  await expect(imageRow(page, 'db-copy')).toContainText('writable');
});

test('renames the clone, refuses a limit that is no size, and shows why machined refuses one here', async ({ page }) => {
  await page.getByRole('button', { name: 'Rename db-copy', exact: true }).click();
  const rename = page.getByRole('dialog', { name: 'Rename db-copy' });
  await rename.getByRole('textbox', { name: 'New name' }).fill('db-renamed');
  await rename.getByRole('button', { name: 'Rename', exact: true }).click();
  await expect(rename).toBeHidden();
  await expect(imageRow(page, 'db-renamed')).toBeVisible();
  await expect(imageRow(page, 'db-copy')).toHaveCount(0);

  await page.getByRole('button', { name: 'Limit db-renamed', exact: true }).click();
  const limit = page.getByRole('dialog', { name: 'Size limit of db-renamed' });
  await limit.getByRole('textbox', { name: 'Size limit' }).fill('lots');
  await expect(limit.getByText('a size such as 512M, 10G or 1.5T')).toBeVisible();
  await limit.getByRole('textbox', { name: 'Size limit' }).fill('-1');
  await expect(limit.getByText('a size such as 512M, 10G or 1.5T')).toBeVisible();
  await limit.getByRole('textbox', { name: 'Size limit' }).fill('10E');
  await expect(limit.getByText('at most 4 PiB')).toBeVisible();
  await limit.getByRole('textbox', { name: 'Size limit' }).fill('1G');
  await limit.getByRole('button', { name: 'Set limit' }).click();
  // The sandbox's images are plain directories: machined's own reason is shown.
  await expect(limit.getByRole('alert')).toContainText('Set limit failed');
  await limit.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('button', { name: 'Make read-only db-renamed', exact: true }).click();
  await page.getByRole('dialog', { name: 'Make db-renamed read-only?' }).getByRole('button', { name: 'Make read-only' }).click();
  await expect(imageRow(page, 'db-renamed')).toContainText('read-only');
  await page.getByRole('button', { name: 'Make writable db-renamed', exact: true }).click();
  await page.getByRole('dialog', { name: 'Make db-renamed writable?' }).getByRole('button', { name: 'Make writable' }).click();
  await expect(imageRow(page, 'db-renamed')).toContainText('writable');
});

test('removal lists the files that go with the image and needs its name typed', async ({ page }) => {
  inHost(['sh', '-c', 'printf "[Exec]\\nBoot=yes\\n" > /etc/systemd/nspawn/db-renamed.nspawn']);
  await page.getByRole('button', { name: 'Remove db-renamed', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove db-renamed?' });
  await expect(dialog.getByRole('list', { name: 'Files removed with the image' })).toHaveText('/etc/systemd/nspawn/db-renamed.nspawn');
  const remove = dialog.getByRole('button', { name: 'Remove', exact: true });
  await expect(remove).toBeDisabled();
  await dialog.getByRole('textbox', { name: 'Type db-renamed to confirm' }).fill('db-renamed');
  await remove.click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
  await expect(imageRow(page, 'db-renamed')).toHaveCount(0);
  expect(inHost(['sh', '-c', 'ls /etc/systemd/nspawn/db-renamed.nspawn /var/lib/machines/db-renamed 2>&1 || true'])).toMatch(/No such file[\s\S]*No such file/);
});

test('imports a tar from the host; a pull from a non-http URL is refused at the field', async ({ page }) => {
  inHost(['sh', '-c', 'mkdir -p /srv/e2e-small/etc && echo hi > /srv/e2e-small/etc/greeting && tar -C /srv/e2e-small -cf /srv/e2e-small.tar .']);
  await page.getByRole('button', { name: 'Import file…' }).click();
  const imp = page.getByRole('dialog', { name: 'Import an image from the host' });
  await imp.getByRole('textbox', { name: 'File or directory on the host' }).fill('srv/e2e-small.tar');
  await imp.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(imp.getByText('an absolute path on the host')).toBeVisible();
  await imp.getByRole('textbox', { name: 'File or directory on the host' }).fill('/srv/e2e-small.tar');
  await expect(imp.getByRole('textbox', { name: 'Image name' })).toHaveValue('e2e-small');
  await imp.getByRole('textbox', { name: 'Image name' }).fill('small');
  await imp.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(imp).toBeHidden();
  await expect(imageRow(page, 'small')).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: /^Operations/ }).click();
  await expect(page.getByRole('dialog', { name: 'Operations' }).getByRole('listitem', { name: 'Import small' }).first()).toContainText('done');
  await page.getByRole('button', { name: 'Close operations' }).click();

  await page.getByRole('button', { name: 'Pull from URL…' }).click();
  const pull = page.getByRole('dialog', { name: 'Pull an image from a URL' });
  await pull.getByRole('textbox', { name: 'URL' }).fill('file:///etc/shadow');
  await pull.getByRole('button', { name: 'Pull', exact: true }).click();
  await expect(pull.getByText('an http:// or https:// URL')).toBeVisible();
});
