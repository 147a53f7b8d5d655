// The app as a desktop user has it: the hub (web mode) runs as alice inside the sandbox host, its
// `local` agent as alice, and Unlock goes through the host's real pkexec and polkitd. Chromium
// joins the sandbox's network namespace (the hub listens on the host's loopback there).
import AxeBuilder from '@axe-core/playwright';
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_ROOT, SANDBOX_APP_DIR } from '../sandbox/sandbox';
import { webUrlOf } from '../sandbox/web-child';
import { e2eState, inHost } from './env';

const RULE = '/etc/polkit-1/rules.d/40-e2e-alice.rules';
const NETWORK_FILE = '/etc/systemd/network/10-ve-db.network';
const hostFile = () => readFileSync(`/proc/${e2eState().leaderPid}/root${NETWORK_FILE}`, 'utf8');

/** Processes (as this machine sees them) whose command line has `part`, with their uid. */
function processes(part: string): { pid: number; uid: number; cmd: string[] }[] {
  const out = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (!cmd.includes(part)) continue;
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${d}/status`, 'utf8'))![1]);
      out.push({ pid: Number(d), uid, cmd });
    } catch {
      continue; // exited while we looked
    }
  }
  return out;
}

/** `npm run web` as alice inside the sandbox host (setpriv, as a login would), with the checkout bound there. */
function startHubAsAlice(): Promise<{ url: string; child: ChildProcess }> {
  const argv = [...e2eState().execPrefix, 'setpriv', '--reuid', 'alice', '--regid', 'alice', '--init-groups', '--reset-env', '--',
    `${AGENT_ROOT}/bin/node`, `${SANDBOX_APP_DIR}/node_modules/tsx/dist/cli.mjs`, `${SANDBOX_APP_DIR}/hub/web-main.ts`];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  return webUrlOf(child).then((url) => ({ url, child }));
}

/** Debian's Chromium inside the sandbox's network namespace, where the hub's loopback is. */
function chromiumInSandboxNet(dir: string): Promise<Browser> {
  const wrapper = join(dir, 'chromium');
  writeFileSync(wrapper, `#!/bin/sh\nexec nsenter --net=/proc/${e2eState().leaderPid}/ns/net ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return chromium.launch({ executablePath: wrapper, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
}

let hub: { url: string; child: ChildProcess };
let browser: Browser;
let page: Page;
let tmp: string;
let original: string;

test.beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'nsd-e2e-alice-'));
  original = hostFile();
  inHost(['rm', '-f', RULE]);
  hub = await startHubAsAlice();
  browser = await chromiumInSandboxNet(tmp);
  // A context of our own: axe-core needs one (browser.newPage's implicit context is not enough).
  page = await (await browser.newContext({ viewport: { width: 1400, height: 850 } })).newPage();
});
test.afterAll(async () => {
  await browser?.close();
  if (hub) process.kill(-hub.child.pid!, 'SIGTERM');
  inHost(['rm', '-f', RULE]);
  // Whatever a failed run left: db's network file as it was, for the specs after this one.
  if (original !== undefined && hostFile() !== original) {
    inHost(['sh', '-c', `printf '%s' "$1" > ${NETWORK_FILE} && networkctl reload`, 'sh', original]);
  }
  rmSync(tmp, { recursive: true, force: true });
});
test.describe.configure({ mode: 'serial' });

test('limited access: the hub and its agent run as alice; Stop is not authorized, and Unlock is refused with polkit\'s reason', async () => {
  test.setTimeout(120_000);
  await page.goto(hub.url);
  await expect(page.getByRole('table', { name: 'Machines' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByLabel('Access')).toHaveText('Limited access');
  expect(processes(`${SANDBOX_APP_DIR}/hub/web-main.ts`).map((p) => p.uid)).toContain(1000);
  expect(processes(`${SANDBOX_APP_DIR}/dist/agent/agent.cjs`).map((p) => p.uid)).toEqual([1000]);

  await page.getByRole('button', { name: 'Stop web' }).click();
  await page.getByRole('dialog', { name: 'Stop web?' }).getByRole('button', { name: 'Stop', exact: true }).click();
  const refused = page.getByRole('alert').filter({ hasText: 'Stop web failed' });
  await expect(refused).toContainText(/not authorized|access denied|authentication/i);
  expect(inHost(['systemctl', 'is-active', 'systemd-nspawn@web.service']).trim()).toBe('active');
  await page.screenshot({ path: 'test-results/views/desktop-user-limited-light-1400.png' });
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

  // No rule lets alice have our action, and no agent can ask her: polkit says no, and the page says why.
  await refused.getByRole('button', { name: 'Unlock administrative access' }).click();
  await expect(refused.getByRole('alert')).toContainText(/not granted.*Not authorized/s, { timeout: 30_000 });
  await expect(page.getByLabel('Access')).toHaveText('Limited access');
});

test('a network edit needs administrative access and writes nothing', async () => {
  const before = hostFile();
  await page.getByRole('button', { name: 'Details of db', exact: true }).click();
  await page.getByRole('tab', { name: 'Network' }).click();
  const field = page.getByRole('textbox', { name: 'Host addresses' });
  await expect(field).toHaveValue(/192\.168\.42\.1\/24/);
  await field.fill('192.168.42.1/24\n10.9.9.1/24');
  await page.getByRole('button', { name: 'Preview changes' }).click();
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('button', { name: 'Unlock administrative access' })).toBeVisible();
  expect(hostFile()).toBe(before);
});

test('Unlock with a rule for alice: the admin agent runs as root, the edit applies and undoes, a root shell opens and ends at Lock', async () => {
  test.setTimeout(120_000);
  inHost(['sh', '-c', `printf '%s' "$1" > ${RULE}`, 'sh',
    'polkit.addRule(function (a, s) { if (a.id == "org.nspawn-desktop.admin" && s.user == "alice") return polkit.Result.YES; });']);
  inHost(['sleep', '1']); // polkitd re-reads its rules on inotify
  const before = hostFile();
  await page.getByRole('button', { name: 'Unlock administrative access' }).click();
  await expect(page.getByLabel('Access')).toHaveText('Administrative access', { timeout: 30_000 });
  const admins = processes(`${AGENT_ROOT}/agent/agent.cjs`).filter((p) => p.cmd.includes('localhost'));
  expect(admins.map((p) => p.uid)).toEqual([0]);

  // The form kept what was typed; Apply now writes as root.
  await page.getByRole('button', { name: 'Preview changes' }).click();
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Applied' })).toBeVisible({ timeout: 30_000 });
  expect(hostFile()).toContain('Address=10.9.9.1/24');
  await page.getByRole('alert').filter({ hasText: 'Applied' }).getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Undone' })).toBeVisible();
  expect(hostFile()).toBe(before);

  // A shell opened now runs in root's pty host: `machinectl shell` asks polkit nothing.
  await page.getByRole('button', { name: 'Back to machines' }).click();
  await page.getByRole('button', { name: 'Open shell on web' }).click();
  const terminal = page.getByRole('region', { name: 'Terminal web' });
  await expect(terminal).toContainText(/root@web/, { timeout: 30_000 });
  await terminal.click();
  await page.keyboard.type('echo as-admin-$((6*7))\n');
  await expect(terminal).toContainText('as-admin-42');
  await page.screenshot({ path: 'test-results/views/desktop-user-admin-light-1400.png' });

  // Lock: alice's agent cannot reach root's shells, and the tab says why it ended.
  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByLabel('Access')).toHaveText('Limited access', { timeout: 30_000 });
  await expect.poll(() => processes(`${AGENT_ROOT}/agent/agent.cjs`).filter((p) => p.cmd.includes('localhost')).length).toBe(0);
  await expect(page.getByRole('status').filter({ hasText: 'Session ended' })).toContainText('ran with administrative access, which was locked');
});
