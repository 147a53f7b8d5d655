// Shells: real `machinectl shell` sessions in xterm.js tabs, against the sandbox.
import { expect, test, type Page } from '@playwright/test';
import { expectState, openApp, screenReaderOn } from './helpers';
import { agentPidOfServer, inHost } from './env';
import { LIVE_REGION_MAX } from '../renderer/src/terminals/output-queue';
import { INTERNALS_CHANGED } from '../renderer/src/terminals/xterm-internals';

test.describe.configure({ mode: 'serial' });

async function ensureRunning(name: string): Promise<void> {
  inHost(['systemctl', 'start', `systemd-nspawn@${name}.service`]);
}

test.beforeAll(async () => {
  await ensureRunning('web');
  await ensureRunning('db');
});

test.beforeEach(async ({ page }) => {
  await openApp(page);
  // Mirrors terminal text into the accessibility tree, where tests (and screen readers) read it.
  await screenReaderOn(page);
});

function terminal(page: Page, title: string) {
  return page.getByRole('region', { name: `Terminal ${title}` });
}

async function run(page: Page, title: string, line: string): Promise<void> {
  await terminal(page, title).click();
  await page.keyboard.type(`${line}\n`);
}

async function openShell(page: Page, name: string): Promise<void> {
  await expectState(page, name, 'running', 60_000);
  await page.getByRole('button', { name: `Open shell on ${name}` }).click();
  await expect(page.getByRole('tab', { name, exact: true })).toHaveAttribute('aria-selected', 'true');
  await expect(terminal(page, name)).toContainText(/root@/, { timeout: 30_000 });
}

test('opens a shell on web and runs hostname', async ({ page }) => {
  await openShell(page, 'web');
  await run(page, 'web', 'hostname');
  await expect(terminal(page, 'web')).toContainText(/hostname\s*web/);
});

test('two tabs on two machines keep their own output across switches', async ({ page }) => {
  await openShell(page, 'web');
  await run(page, 'web', 'echo only-in-web-$((6*7))');
  await expect(terminal(page, 'web')).toContainText('only-in-web-42');
  await page.getByRole('tab', { name: 'Machines' }).click();
  await openShell(page, 'db');
  await run(page, 'db', 'echo only-in-db-$((6*8))');
  await expect(terminal(page, 'db')).toContainText('only-in-db-48');
  await expect(terminal(page, 'db')).not.toContainText('only-in-web-42');
  await page.getByRole('tab', { name: 'web', exact: true }).click();
  await expect(terminal(page, 'web')).toContainText('only-in-web-42');
  await expect(terminal(page, 'web')).not.toContainText('only-in-db-48');
  // Keyboard: Ctrl+PageDown moves to the next tab.
  await page.keyboard.press('Control+PageDown');
  await expect(page.getByRole('tab', { name: 'db', exact: true })).toHaveAttribute('aria-selected', 'true');
});

test('tab keys switch tabs and never reach the shell; F6 leaves the terminal; F1 lists the keys', async ({ page }) => {
  await openShell(page, 'web');
  await page.getByRole('tab', { name: 'Machines' }).click();
  await openShell(page, 'db');
  await terminal(page, 'db').click();
  // In the terminal: both spellings of next/previous tab, then a command typed into the same shell.
  await page.keyboard.press('Control+PageUp');
  await expect(page.getByRole('tab', { name: 'web', exact: true })).toHaveAttribute('aria-selected', 'true');
  await terminal(page, 'web').click();
  await page.keyboard.press('Alt+Shift+ArrowRight');
  await expect(page.getByRole('tab', { name: 'db', exact: true })).toHaveAttribute('aria-selected', 'true');
  await run(page, 'db', 'echo typed-$((2+3))');
  await expect(terminal(page, 'db')).toContainText('typed-5');
  await expect(terminal(page, 'db')).not.toContainText('5~');
  await expect(terminal(page, 'db')).not.toContainText('command not found');
  await page.getByRole('tab', { name: 'web', exact: true }).click();
  await expect(terminal(page, 'web')).not.toContainText(/5~|6~|command not found/);
  // F6 moves focus out of the terminal to the selected tab, where Tab goes on.
  await terminal(page, 'web').click();
  await page.keyboard.press('F6');
  await expect(page.getByRole('tab', { name: 'web', exact: true })).toBeFocused();
  await page.keyboard.press('F1');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help.getByRole('table', { name: 'Keyboard shortcuts' })).toContainText('Alt+Shift+T');
  await help.getByRole('button', { name: 'Close' }).click();
});

test('resizing the window resizes the pty', async ({ page }) => {
  await openShell(page, 'web');
  await run(page, 'web', 'echo size-$(stty size | tr " " x)');
  await expect(terminal(page, 'web')).toContainText(/size-\d+x\d+/);
  const before = /size-(\d+x\d+)/.exec(await terminal(page, 'web').innerText())![1];
  await page.setViewportSize({ width: 900, height: 600 });
  await page.waitForTimeout(300);
  await run(page, 'web', 'clear; echo size-$(stty size | tr " " x)');
  await expect.poll(async () => /size-(\d+x\d+)/.exec(await terminal(page, 'web').innerText())?.[1]).not.toBe(before);
});

test('a yes flood keeps the page responsive and Ctrl-C brings the prompt back', async ({ page }) => {
  await openShell(page, 'web');
  await run(page, 'web', 'yes');
  await page.waitForTimeout(3000);
  // The UI still answers while the flood runs.
  await page.getByRole('tab', { name: 'Machines' }).click();
  await expect(page.getByRole('table', { name: 'Machines' })).toBeVisible({ timeout: 5000 });
  await page.getByRole('tab', { name: 'web', exact: true }).click();
  await terminal(page, 'web').click();
  await page.keyboard.press('Control+C');
  await run(page, 'web', 'clear; echo back-$((40+2))');
  await expect(terminal(page, 'web')).toContainText('back-42', { timeout: 20_000 });
});

test('with screen reader mode on, a 4 MB flood on one line finishes and what is announced stays short', async ({ page }) => {
  // The flood's speed rests on two xterm.js internals (xterm-internals.ts): an upgrade that moves
  // them says so on the console.
  const warnings: string[] = [];
  page.on('console', (m) => { if (m.text().includes(INTERNALS_CHANGED)) warnings.push(m.text()); });
  await openShell(page, 'web');
  await run(page, 'web', 'clear; head -c 4000000 /dev/zero | tr "\\0" x; echo; echo flood-$((40+2))');
  await expect(terminal(page, 'web')).toContainText('flood-42', { timeout: 90_000 });
  const announced = await terminal(page, 'web').evaluate((el) => Math.max(...Array.from(el.querySelectorAll('[aria-live]'), (r) => (r.textContent ?? '').length)));
  expect(announced).toBeLessThanOrEqual(LIVE_REGION_MAX + 2);
  expect(warnings).toEqual([]);
});

test('after a flood of lines the view ends at the prompt, the scroll bar at the bottom of the whole scrollback', async ({ page }) => {
  // During a flood the rows and the scroll bar are drawn 20 times a second (xterm-internals.ts,
  // paceRendering); once it ends they must be up to date.
  await openShell(page, 'web');
  await run(page, 'web', 'clear; seq 1 200000; echo seq-$((40+2))');
  const term = terminal(page, 'web');
  await expect(term).toContainText('seq-42', { timeout: 60_000 });
  // The rows as the screen reader tree mirrors them: the first that is a number.
  const firstNumber = async () => Number((await term.evaluate((el) => Array.from(el.querySelectorAll('.xterm-accessibility-tree > div'), (r) => (r.textContent ?? '').trim()))).find((t) => /^\d+$/.test(t)) ?? NaN);
  await expect.poll(firstNumber).toBeGreaterThan(199_900);
  const slider = () => term.evaluate((el) => {
    const s = el.querySelector<HTMLElement>('.xterm-scrollable-element .scrollbar.vertical .slider')!.getBoundingClientRect();
    const t = el.querySelector<HTMLElement>('.xterm-scrollable-element')!.getBoundingClientRect();
    return { top: s.top - t.top, height: s.height, track: t.height };
  });
  await expect.poll(async () => { const s = await slider(); return s.track - (s.top + s.height); }).toBeLessThanOrEqual(2);
  // 10,000 lines of scrollback behind a screen of ~30: a small slider.
  const s = await slider();
  expect(s.height).toBeLessThan(s.track / 20);
  const bottom = await firstNumber();
  await term.hover();
  for (let i = 0; i < 60; i++) await page.mouse.wheel(0, -2000);
  await expect.poll(firstNumber).toBeLessThan(bottom - 100);
  await expect.poll(async () => (await slider()).top).toBeLessThan(s.top - 3);
});

test('a word double-clicked in the terminal is drawn selected, and a click clears it', async ({ page }) => {
  // xterm-internals.ts skips redrawing an empty selection: a selection made or cleared is drawn.
  await openShell(page, 'web');
  await run(page, 'web', 'clear; echo pickme');
  const term = terminal(page, 'web');
  await expect(term).toContainText('pickme');
  const cells = await term.evaluate((el) => {
    const rows = el.querySelector('.xterm-rows')!;
    const r = (rows.children[1] as HTMLElement).getBoundingClientRect();
    return { x: r.left, y: r.top, h: r.height };
  });
  const selected = () => term.evaluate((el) => el.querySelector('.xterm-selection')?.children.length ?? -1);
  await page.mouse.dblclick(cells.x + 10, cells.y + cells.h / 2);
  await expect.poll(selected).toBeGreaterThan(0);
  await page.mouse.click(cells.x + 10, cells.y + cells.h * 4);
  await expect.poll(selected).toBe(0);
});

test('Ctrl-C during a flood: the prompt comes back and output after it is all there', async ({ page }) => {
  await openShell(page, 'web');
  await run(page, 'web', 'yes interrupted-flood');
  await expect(terminal(page, 'web')).toContainText('interrupted-flood', { timeout: 20_000 });
  await page.keyboard.press('Control+C');
  await run(page, 'web', 'clear; for i in $(seq 1 200); do echo "after-$i"; done | tail -n 3');
  await expect(terminal(page, 'web')).toContainText('after-200', { timeout: 20_000 });
  await expect(terminal(page, 'web')).toContainText('after-198');
  await run(page, 'web', 'echo end-$((40+2))');
  await expect(terminal(page, 'web')).toContainText('end-42');
});

test('pops a tab out into its own window, which keeps the session and its scrollback, and gives it back when closed', async ({ page, context }) => {
  await openShell(page, 'web');
  await run(page, 'web', 'echo before-popout-$((6*7)); export POPPED=$((40+2))');
  await expect(terminal(page, 'web')).toContainText('before-popout-42');
  const [popup] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Pop out' }).click()]);
  const popped = popup.getByRole('region', { name: 'Terminal web' });
  // The scrollback came along, and the tab left the main window.
  await expect(popped).toContainText('before-popout-42', { timeout: 15_000 });
  await expect(page.getByRole('tab', { name: 'web', exact: true })).toHaveCount(0);
  await expect(popup).toHaveTitle(/^web — nspawn desktop$/);
  // The same shell, not a new one: its variable is still set.
  await popped.click();
  await popup.keyboard.type('echo still-$POPPED; hostname\n');
  await expect(popped).toContainText(/still-42[\s\S]*web/);
  // Closing the window (not the shell) brings the session back to a tab in the main window.
  const closed = popup.waitForEvent('close');
  await popup.getByRole('button', { name: 'Back to main window' }).click({ noWaitAfter: true }).catch((e: Error) => {
    if (!/closed/.test(e.message)) throw e;
  });
  await closed;
  await expect(page.getByRole('tab', { name: 'web', exact: true })).toHaveCount(1, { timeout: 10_000 });
  await page.getByRole('tab', { name: 'web', exact: true }).click();
  await expect(terminal(page, 'web')).toContainText('still-42', { timeout: 15_000 });
  await run(page, 'web', 'echo returned-$POPPED');
  await expect(terminal(page, 'web')).toContainText('returned-42');
});

test('tab names: a second shell on web is "web (2)", New shell offers the active tab\'s machine, a renamed tab keeps its name in its pop-out', async ({ page, context }) => {
  await openShell(page, 'db');
  await page.getByRole('tab', { name: 'Machines' }).click();
  await openShell(page, 'web');
  await page.getByRole('tab', { name: 'Machines' }).click();
  await page.getByRole('button', { name: 'Open shell on web' }).click();
  await expect(page.getByRole('tab', { name: 'web (2)', exact: true })).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('tab', { name: 'db', exact: true }).click();
  await page.getByRole('tab', { name: 'New shell tab' }).click();
  const dialog = page.getByRole('dialog', { name: 'New shell' });
  await expect(dialog.getByRole('combobox', { name: 'Machine' })).toHaveValue('db');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  const name = page.getByRole('textbox', { name: 'Tab name' });
  await name.fill('database');
  await name.press('Enter');
  await expect(page.getByRole('tab', { name: 'database', exact: true })).toBeVisible();
  const [popup] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Pop out' }).click()]);
  await expect(popup).toHaveTitle(/^database — nspawn desktop$/);
  await expect(popup.getByRole('textbox', { name: 'Tab name' })).toHaveValue('database');
  await popup.close();
});

test('New shell keeps the machine chosen while another machine starts, and offers the new one', async ({ page }) => {
  await page.getByRole('tab', { name: 'New shell tab' }).click();
  const dialog = page.getByRole('dialog', { name: 'New shell' });
  const machine = dialog.getByRole('combobox', { name: 'Machine' });
  await machine.click();
  await page.getByRole('option', { name: 'db', exact: true }).click();
  await expect(machine).toHaveValue('db');
  inHost(['systemctl', 'start', 'systemd-nspawn@build.service']);
  try {
    await expect.poll(async () => {
      await machine.click();
      const offered = await page.getByRole('option').allTextContents();
      await page.keyboard.press('Escape');
      return offered;
    }, { timeout: 30_000 }).toContain('build');
    await expect(machine).toHaveValue('db');
  } finally {
    inHost(['systemctl', 'stop', 'systemd-nspawn@build.service']);
  }
});

test('a popped-out window lives on without the main window', async ({ page, context }) => {
  await openShell(page, 'web');
  const [popup] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Pop out' }).click()]);
  const popped = popup.getByRole('region', { name: 'Terminal web' });
  await expect(page.getByRole('tab', { name: 'web', exact: true })).toHaveCount(0, { timeout: 15_000 });
  await page.close();
  await popped.click();
  await popup.keyboard.type('echo alive-$((2*21))\n');
  await expect(popped).toContainText('alive-42');
  await popup.close();
});

test('End session in a popped-out window ends the shell: nothing comes back to the main window', async ({ page, context }) => {
  await openShell(page, 'web');
  const [popup] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Pop out' }).click()]);
  await expect(popup.getByRole('region', { name: 'Terminal web' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('tab', { name: 'web', exact: true })).toHaveCount(0, { timeout: 15_000 });
  const closed = popup.waitForEvent('close');
  await popup.getByRole('button', { name: 'End session' }).click({ noWaitAfter: true }).catch((e: Error) => {
    if (!/closed/.test(e.message)) throw e;
  });
  await closed;
  // The main window checks twice a second; give it several chances to (wrongly) bring a tab back.
  await page.waitForTimeout(2500);
  await expect(page.getByRole('tab', { name: /^web/ })).toHaveCount(0);
});

test('stopping the machine marks its tab ended and offers Reconnect', async ({ page }) => {
  await openShell(page, 'db');
  inHost(['systemctl', 'stop', 'systemd-nspawn@db.service']);
  await expect(page.getByRole('status').filter({ hasText: 'Session ended' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('tab', { name: 'db (ended)' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Reconnect' })).toBeVisible();
  inHost(['systemctl', 'start', 'systemd-nspawn@db.service']);
});

test('a 20 MB paste arrives in the shell intact, and the backend stays up', async ({ page }) => {
  test.setTimeout(240_000);
  const SIZE = 20 * 1024 * 1024;
  const unit = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_';
  const text = unit.repeat(SIZE / unit.length);
  const { createHash } = await import('node:crypto');
  const want = createHash('sha256').update(text).digest('hex');
  await openShell(page, 'web');
  // Raw mode without echo: a canonical tty would cap a line at 4095 bytes, and the echo of 20 MB
  // would only measure rendering.
  // Paste only once the command runs: until bash has accepted the line, readline's bracketed-paste
  // mode is on and the paste would arrive wrapped in ESC[200~ … ESC[201~.
  await run(page, 'web', `stty -icanon -echo; echo READY-$((20*5)); head -c ${SIZE} | sha256sum; stty sane`);
  await expect(terminal(page, 'web')).toContainText('READY-100');
  // A real paste event on xterm's input, as the browser fires it for Ctrl+V.
  await page.evaluate(({ unit: u, n }) => {
    // The e2e type-check has no DOM library; these are the page's own DataTransfer and ClipboardEvent.
    const w = globalThis as unknown as {
      DataTransfer: new () => { setData(type: string, data: string): void };
      ClipboardEvent: new (type: string, init: object) => object;
      document: { querySelector(sel: string): { dispatchEvent(e: object): boolean } | null };
    };
    const dt = new w.DataTransfer();
    dt.setData('text/plain', u.repeat(n));
    const input = w.document.querySelector('.xterm-helper-textarea');
    if (!input) throw new Error('no terminal input');
    input.dispatchEvent(new w.ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, { unit, n: SIZE / unit.length });
  await expect(terminal(page, 'web')).toContainText(want, { timeout: 180_000 });
  await expect(terminal(page, 'web')).not.toContainText('were not sent');
  await run(page, 'web', 'echo still-$((20*2))');
  await expect(terminal(page, 'web')).toContainText('still-40');
});

test('a page reload keeps its shells: the same sessions, their screens, the alternate screen included', async ({ page }) => {
  await openShell(page, 'web');
  await run(page, 'web', 'echo pid-before-$$; echo marker-$((3*3))');
  await expect(terminal(page, 'web')).toContainText('marker-9');
  const before = /pid-before-(\d+)/.exec(await terminal(page, 'web').innerText())?.[1];
  expect(before).toBeTruthy();
  await page.getByRole('tab', { name: 'Machines' }).click();
  await openShell(page, 'db');
  // A full-screen program: the alternate screen, then it waits.
  await run(page, 'db', "printf '\\033[?1049h\\033[H'; echo ALT-$((4*4)); sleep 600");
  await expect(terminal(page, 'db')).toContainText('ALT-16');

  await page.reload();
  await expect(page.getByRole('tab', { name: 'db', exact: true })).toBeVisible();
  await screenReaderOn(page);
  await page.getByRole('tab', { name: 'db', exact: true }).click();
  await expect(terminal(page, 'db')).toContainText('ALT-16');
  await expect(terminal(page, 'db')).not.toContainText('pid-before');
  await page.getByRole('tab', { name: 'web', exact: true }).click();
  await expect(terminal(page, 'web')).toContainText('marker-9');
  await run(page, 'web', 'echo pid-after-$$');
  await expect(terminal(page, 'web')).toContainText(`pid-after-${before}`);
});

test('kill -9 of the agent: both tabs and an open journal come back, the screens with the alternate screen included', async ({ page }) => {
  await openShell(page, 'web');
  await run(page, 'web', 'echo marker-$((5*5))');
  await expect(terminal(page, 'web')).toContainText('marker-25');
  await page.getByRole('tab', { name: 'Machines' }).click();
  await openShell(page, 'db');
  await run(page, 'db', "printf '\\033[?1049h\\033[H'; echo FULL-$((6*6)); sleep 600");
  await expect(terminal(page, 'db')).toContainText('FULL-36');
  // A journal open too, in the machine list's tab.
  await page.getByRole('tab', { name: 'Machines' }).click();
  await page.getByRole('button', { name: 'Details of web', exact: true }).click();
  await page.getByRole('tab', { name: 'Journal' }).click();
  const log = page.getByRole('log', { name: 'Journal of web' });
  await expect(log).toContainText('systemd', { timeout: 10_000 });
  const agent = agentPidOfServer();
  expect(agent).toBeGreaterThan(0);
  process.kill(agent!, 'SIGKILL');
  await expect(page.getByRole('status', { name: 'Connection' })).not.toHaveText(/^connected$/i, { timeout: 5000 });
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText(/^connected$/i, { timeout: 10_000 });
  expect(agentPidOfServer()).not.toBe(agent);
  // The journal follows again through the new agent.
  const marker = `after-kill-${Date.now()}`;
  inHost(['systemd-run', '-M', 'web', '--wait', '--quiet', '/usr/bin/logger', '-t', 'e2e', marker]);
  await expect(log).toContainText(marker, { timeout: 10_000 });
  await page.getByRole('tab', { name: 'db', exact: true }).click();
  await expect(terminal(page, 'db')).toContainText('FULL-36', { timeout: 10_000 });
  await expect(page.getByRole('tab', { name: 'db (ended)' })).toHaveCount(0);
  await page.keyboard.press('Control+C');
  await run(page, 'db', "printf '\\033[?1049l'; echo db-back-$((7*6))");
  await expect(terminal(page, 'db')).toContainText('db-back-42');
  await page.getByRole('tab', { name: 'web', exact: true }).click();
  await expect(terminal(page, 'web')).toContainText('marker-25');
  await run(page, 'web', 'echo web-back-$((7*6))');
  await expect(terminal(page, 'web')).toContainText('web-back-42');
});
