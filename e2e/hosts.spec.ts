// One window, two hosts: the hub manages the e2e sandbox and this machine (which has no machined).
// The host picker switches the views; each host's list, status and shells stay its own.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebMode } from '../sandbox/web-child';
import { SANDBOX } from './env';
import { screenReaderOn } from './helpers';

const terminal = (page: Page) => page.getByRole('region', { name: 'Terminal web' });

test('the host picker shows each host as it is, and a shell tab names its host', async ({ page }) => {
  test.setTimeout(120_000);
  const runtime = mkdtempSync(join(tmpdir(), 'nsd-e2e-hosts-'));
  const web = await startWebMode(SANDBOX, { NSD_HOSTS: `sandbox:${SANDBOX},local`, XDG_RUNTIME_DIR: runtime });
  try {
    await page.goto(web.url);
    const picker = page.getByRole('combobox', { name: 'Host' });
    await expect(picker).toHaveValue(`sandbox ${SANDBOX}`);
    await screenReaderOn(page);
    await page.getByRole('button', { name: 'Open shell on web' }).click({ timeout: 30_000 });
    const tab = page.getByRole('tab', { name: `sandbox ${SANDBOX}: web`, exact: true });
    await expect(tab).toHaveAttribute('aria-selected', 'true');
    await expect(terminal(page)).toContainText(/root@/, { timeout: 30_000 });
    await terminal(page).click();
    await page.keyboard.type('echo on-$((40+2))\n');
    await expect(terminal(page)).toContainText('on-42');

    // This machine has no machined: its host says so, and lists none of the sandbox's machines.
    await page.getByRole('tab', { name: 'Machines' }).click();
    await picker.click();
    await page.getByRole('option', { name: 'localhost' }).click();
    await expect(picker).toHaveValue('localhost');
    await expect(page.getByRole('alert').first()).toContainText(/bus|machined/i, { timeout: 20_000 });
    await expect(page.getByRole('button', { name: 'Open shell on web' })).toHaveCount(0);
    // Never read is not empty: no "0 machines", but why the list is unknown.
    await expect(page.getByRole('alert').filter({ hasText: 'Could not list machines' })).toContainText('cannot be read yet');
    await expect(page.getByText('Machines unknown')).toBeVisible();
    await expect(page.getByRole('table', { name: 'Machines' })).toHaveCount(0);
    // The sandbox's shell is still there, named by its host.
    await expect(tab).toBeVisible();
    await page.screenshot({ path: 'test-results/views/two-hosts-light-1280.png' });
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

    // The choice survives a reload of this browser tab, and so does the shell.
    await page.reload();
    await expect(page.getByRole('combobox', { name: 'Host' })).toHaveValue('localhost');
    await tab.click();
    await expect(terminal(page)).toContainText('on-42', { timeout: 20_000 });
  } finally {
    web.stop();
    rmSync(runtime, { recursive: true, force: true });
  }
});
