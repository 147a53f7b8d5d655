// Machines against the real sandbox: list, lifecycle through D-Bus, external changes, recovery.
import { expect, test } from '@playwright/test';
import { expectState, openApp, row, withBus } from './helpers';
import { spawnSync } from 'node:child_process';
import { e2eState, inHost } from './env';
import { listMachined, unitFileEnabled } from '../agent/machines/facts';

test.describe.configure({ mode: 'serial' });

test.beforeEach(async ({ page }) => openApp(page));

test('lists the sandbox machines with state, OS and addresses', async ({ page }) => {
  await expectState(page, 'web', 'running');
  await expectState(page, 'db', 'running');
  await expectState(page, 'build', 'stopped');
  await expect(row(page, 'db')).toContainText('192.168.42.2');
  await expect(row(page, 'web')).toContainText(/Debian GNU\/Linux 12/);
  await expect(page.getByRole('switch', { name: 'Autostart web' })).toBeChecked();
  await expect(page.getByRole('switch', { name: 'Autostart build' })).not.toBeChecked();
  await expect(page.getByRole('button', { name: 'Details of .host' })).toHaveCount(0);
});

test("a running machine's uptime counts on, and a stopped one shows none", async ({ page }) => {
  const uptime = (name: string) => row(page, name).getByRole('cell').nth(7);
  await expect(uptime('web')).toHaveText(/^(\d+d \d+h|\d+h \d+m|\d+m \d+s|\d+s)$/);
  const first = (await uptime('web').textContent())!;
  // Seconds show while it has run under an hour (a sandbox of this run has).
  if (/s$/.test(first)) await expect(uptime('web')).not.toHaveText(first, { timeout: 5000 });
  await expect(uptime('build')).toHaveText('');
});

test('filters and sorts the list', async ({ page }) => {
  await page.getByRole('textbox', { name: 'Filter machines' }).fill('192.168.42');
  await expect(page.getByRole('button', { name: /^Details of / })).toHaveCount(1);
  await expect(row(page, 'db')).toBeVisible();
  await page.getByRole('textbox', { name: 'Filter machines' }).fill('');
  // Quick filters write their term into the filter and show as pressed.
  const running = page.getByRole('group', { name: 'Quick filters' }).getByRole('button', { name: 'Running' });
  await running.click();
  await expect(running).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('textbox', { name: 'Filter machines' })).toHaveValue('state:running');
  await expect(row(page, 'build')).toHaveCount(0);
  await expect(row(page, 'web')).toBeVisible();
  await running.click();
  await expect(page.getByRole('textbox', { name: 'Filter machines' })).toHaveValue('');
  await expect(row(page, 'build')).toBeVisible();
  await page.getByRole('button', { name: /^Name/ }).click();
  const names = await page.getByRole('button', { name: /^Details of / }).allTextContents();
  expect(names).toEqual([...names].sort().reverse());
});

test('stops web after a confirmation: the row says stopping at once, never running again, and machined agrees', async ({ page }) => {
  await page.getByRole('button', { name: 'Stop web' }).click();
  const dialog = page.getByRole('dialog', { name: 'Stop web?' });
  await expect(dialog).toBeVisible();
  // Every state the row shows from the confirming click on, as the page draws it.
  await row(page, 'web').getByRole('cell').nth(2).evaluate((cell) => {
    const seen: string[] = [];
    (window as unknown as { webStates: string[] }).webStates = seen;
    document.addEventListener('click', () => seen.push(`click:${cell.textContent}`), { capture: true, once: true });
    new MutationObserver(() => { if (seen.length && seen[seen.length - 1] !== cell.textContent) seen.push(cell.textContent ?? ''); })
      .observe(cell, { subtree: true, childList: true, characterData: true });
  });
  await dialog.getByRole('button', { name: 'Stop', exact: true }).click();
  await expectState(page, 'web', 'stopped');
  const states = await page.evaluate(() => (window as unknown as { webStates: string[] }).webStates);
  expect(states[0]).toBe('click:running');
  expect(states.slice(1)).toEqual(['stopping', 'stopped']);
  const names = await withBus(async (bus) => (await listMachined(bus)).map((m) => m.name));
  expect(names).not.toContain('web');
});

test('a slow start shows in Operations, where Cancel stops it and the machine is stopped, not failed', async ({ page }) => {
  const dropin = '/run/systemd/system/systemd-nspawn@build.service.d';
  inHost(['sh', '-c', `mkdir -p ${dropin} && printf '[Service]\\nExecStartPre=/bin/sleep 60\\n' > ${dropin}/slow.conf && systemctl daemon-reload`]);
  try {
    await page.getByRole('button', { name: 'Start build' }).click();
    await expectState(page, 'build', 'starting');
    await page.getByRole('button', { name: 'Operations, 1 running' }).click();
    const op = page.getByRole('dialog', { name: 'Operations' }).getByRole('listitem', { name: 'Start build' }).first();
    await expect(op.getByLabel('State: running')).toBeVisible();
    await op.getByRole('button', { name: 'Cancel Start build' }).click();
    await expect(op.getByLabel('State: cancelled')).toBeVisible({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Close operations' }).click();
    await expectState(page, 'build', 'stopped');
    // Cancelled on purpose: no failure is reported.
    await expect(page.getByRole('alert').filter({ hasText: 'Start build failed' })).toHaveCount(0);
  } finally {
    inHost(['sh', '-c', `rm -rf ${dropin} && systemctl daemon-reload`]);
  }
});

test('starts build and shows it running with an address, and Operations lists the start as done', async ({ page }) => {
  await page.getByRole('button', { name: 'Start build' }).click();
  await expectState(page, 'build', 'running', 60_000);
  await expect(row(page, 'build').getByRole('cell').nth(4)).toHaveText(/\d+\.\d+\.\d+\.\d+/, { timeout: 30_000 });
  await page.getByRole('button', { name: 'Operations' }).click();
  await expect(page.getByRole('dialog', { name: 'Operations' }).getByRole('listitem', { name: 'Start build' }).first().getByLabel('State: done')).toBeVisible();
});

test('toggles autostart, says so, and the unit file state follows', async ({ page }) => {
  const sw = page.getByRole('switch', { name: 'Autostart build' });
  await sw.click();
  await expect(page.getByRole('status').filter({ hasText: 'build now starts at boot (machines.target wants it)' })).toBeVisible();
  await expect(sw).toBeChecked();
  await expect.poll(() => withBus((bus) => unitFileEnabled(bus, 'build'))).toBe(true);
  await sw.click();
  await expect(sw).not.toBeChecked();
  await expect.poll(() => withBus((bus) => unitFileEnabled(bus, 'build'))).toBe(false);
});

test('shows a machine started outside the app', async ({ page }) => {
  await expectState(page, 'web', 'stopped');
  inHost(['systemctl', 'start', '--no-block', 'systemd-nspawn@web.service']);
  await expectState(page, 'web', 'running', 30_000);
});

test('recovers by itself when systemd-machined restarts', async ({ page }) => {
  inHost(['systemctl', 'restart', 'systemd-machined.service']);
  await expectState(page, 'web', 'running');
  // A change after the restart still arrives: machined's new instance is followed.
  inHost(['systemctl', 'stop', 'systemd-nspawn@build.service']);
  await expectState(page, 'build', 'stopped');
});

test('says when its connection to the backend drops, and reconnects by itself', async ({ page }) => {
  // Abort the page's WebSocket (both ends) as a network fault would; the backend keeps running.
  const port = new URL(e2eState().url).port;
  // The alert shows until the reconnect, about half a second: noted in the page the moment it is
  // drawn, as polling from here could fall between two looks on a busy machine.
  await page.evaluate(() => {
    const w = window as unknown as { sawUnreachable?: boolean };
    new MutationObserver((_, obs) => {
      if (!Array.from(document.querySelectorAll('[role="alert"]')).some((a) => a.textContent?.includes('Backend unreachable'))) return;
      w.sawUnreachable = true;
      obs.disconnect();
    }).observe(document.body, { childList: true, subtree: true });
  });
  const kill = spawnSync('ss', ['-K', `( sport = :${port} or dport = :${port} )`], { encoding: 'utf8' });
  expect(kill.status, kill.stderr).toBe(0);
  await expect.poll(() => page.evaluate(() => (window as unknown as { sawUnreachable?: boolean }).sawUnreachable ?? false), { timeout: 15_000 }).toBe(true);
  await expect(page.getByRole('alert').filter({ hasText: 'Backend unreachable' })).toHaveCount(0, { timeout: 15_000 });
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText(/connected/i);
  // Changes after the reconnect still arrive.
  inHost(['systemctl', 'start', '--no-block', 'systemd-nspawn@build.service']);
  await expectState(page, 'build', 'running');
  inHost(['systemctl', 'stop', 'systemd-nspawn@build.service']);
  await expectState(page, 'build', 'stopped');
});

test('shows systemd\'s reason and the unit log when a start fails', async ({ page }) => {
  // A declared machine whose directory is missing: systemd-nspawn exits at once.
  inHost(['sh', '-c', 'printf "[Exec]\\nBoot=true\\n" > /etc/systemd/nspawn/broken.nspawn']);
  await expectState(page, 'broken', 'stopped');
  await page.getByRole('button', { name: 'Start broken' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Start broken failed' });
  await expect(alert).toBeVisible({ timeout: 30_000 });
  await expect(alert).toContainText(/failed|exit/i);
  await expect(alert.getByLabel('Last journal lines of the unit')).toContainText(/broken/);
  await expectState(page, 'broken', 'failed');
  // The header keeps the failure until Operations is opened.
  await page.getByRole('button', { name: 'Operations, 1 failed' }).click();
  await expect(page.getByRole('dialog', { name: 'Operations' }).getByRole('listitem', { name: 'Start broken' }).first().getByLabel('State: failed')).toBeVisible();
  await page.getByRole('button', { name: 'Close operations' }).click();
  await expect(page.getByRole('button', { name: 'Operations', exact: true })).toBeVisible();
  inHost(['sh', '-c', 'systemctl reset-failed systemd-nspawn@broken.service; rm -f /etc/systemd/nspawn/broken.nspawn']);
});

test('a guest that dies seconds after its start succeeded is reported with its unit log', async ({ page }) => {
  // Its init (a shell, Boot=no) exits 3 s in: the start job is done, then the unit fails.
  inHost(['sh', '-c', [
    'mkdir -p /var/lib/machines/flaky/usr /var/lib/machines/flaky/etc',
    'for l in bin sbin lib lib64; do ln -sfn usr/$l /var/lib/machines/flaky/$l; done',
    'printf \'[Exec]\\nBoot=no\\nParameters=/bin/sh -c "echo flaky-dies; sleep 3; exit 3"\\nPrivateUsers=no\\n[Files]\\nBindReadOnly=/usr\\n[Network]\\nPrivate=true\\n\' > /etc/systemd/nspawn/flaky.nspawn',
  ].join(' && ')]);
  try {
    await expectState(page, 'flaky', 'stopped');
    await page.getByRole('button', { name: 'Start flaky' }).click();
    const alert = page.getByRole('alert').filter({ hasText: /flaky failed \d+ s after it started/ });
    await expect(alert).toBeVisible({ timeout: 30_000 });
    await expect(alert).toContainText('Its unit ended with result "exit-code"');
    await expect(alert.getByLabel('Last journal lines of the unit')).toContainText('flaky-dies');
    await expect(page.getByRole('alert').filter({ hasText: 'Start flaky failed' })).toHaveCount(0);
    await expectState(page, 'flaky', 'failed');
  } finally {
    inHost(['sh', '-c', 'systemctl reset-failed systemd-nspawn@flaky.service; rm -rf /etc/systemd/nspawn/flaky.nspawn /var/lib/machines/flaky']);
  }
});

test('at 1024 px the list shows names, states and addresses, and the addresses can be copied', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 640 }, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  try {
    await openApp(page);
    const cells = row(page, 'db').getByRole('cell');
    await expect(cells.nth(4)).toContainText('192.168.42.2');
    // An IPv4 address is readable whole beside its copy button.
    expect((await cells.nth(4).boundingBox())!.width).toBeGreaterThan(130);
    // Room for the widest state, STOPPING, with its spinner (it was cut to "STOPPI…").
    expect((await cells.nth(2).boundingBox())!.width).toBeGreaterThanOrEqual(118);
    await row(page, 'db').getByRole('button', { name: 'Copy addresses of db' }).click();
    await expect(row(page, 'db').getByRole('button', { name: 'Addresses of db copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('192.168.42.2');
  } finally {
    await context.close();
  }
});

test('first look: a getting-started note says what names, Shell and + do and what the test host is; dismissed, it stays away', async ({ page }) => {
  const note = page.getByRole('note').filter({ hasText: 'Getting started' });
  await expect(note).toContainText('Click a machine\'s name for its details');
  await expect(note).toContainText('the + tab opens one with options');
  await expect(note).toContainText('is a test host');
  await note.getByRole('button', { name: 'Dismiss getting started' }).click();
  await expect(note).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('button', { name: 'Details of web', exact: true })).toBeVisible();
  await expect(note).toHaveCount(0);
});

test('the Hosts drawer gives the shown host at a glance: its services and the space for machines', async ({ page }) => {
  await page.getByRole('button', { name: 'Hosts' }).click();
  const overview = page.getByRole('group', { name: /^Overview of / });
  await expect(overview).toContainText('machined: active');
  await expect(overview).toContainText('networkd: active');
  await expect(overview).toContainText(/\/var\/lib\/machines: [\d.]+ [KMGT]iB free of [\d.]+ [KMGT]iB/);
  // machined knows its pool's usage only on btrfs (this sandbox is not): then nothing is claimed.
  await expect(overview).not.toContainText('images use');
});
