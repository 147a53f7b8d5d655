// `npx tsx scripts/screenshots.ts`: the README's screenshots, taken in Debian's Chromium against
// web mode on a sandbox (brought up if needed, left running): light and dark, wide and 1024 px.
import type { Browser, Page } from '@playwright/test';
import { up } from '../sandbox/sandbox';
import { launchChromium, startWebMode } from '../sandbox/web-child';

const SB = process.env.NSD_SANDBOX ?? 'default';
const OUT = 'docs/screenshots';
const SIZES = { wide: { width: 1440, height: 900 }, narrow: { width: 1024, height: 640 } } as const;

async function shell(page: Page, line: string): Promise<void> {
  await page.getByRole('button', { name: 'Open shell on web' }).click();
  const term = page.getByRole('region', { name: 'Terminal web' });
  await term.getByText(/root@web/).first().waitFor({ timeout: 30_000 }).catch(() => undefined);
  await term.click();
  await page.keyboard.type(`${line}\n`);
  await page.waitForTimeout(1500);
}

async function shots(browser: Browser, url: string, scheme: 'light' | 'dark', size: keyof typeof SIZES): Promise<void> {
  const context = await browser.newContext({ colorScheme: scheme, viewport: SIZES[size] });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole('button', { name: 'Details of web', exact: true }).waitFor();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${OUT}/machines-${scheme}-${size}.png` });
  await page.getByRole('button', { name: 'Details of db', exact: true }).click();
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.getByRole('textbox', { name: 'Host addresses' }).waitFor();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${OUT}/network-${scheme}-${size}.png` });
  await page.getByRole('button', { name: 'Back to machines' }).click();
  if (scheme === 'dark' && size === 'wide') {
    await shell(page, 'cat /etc/os-release | head -3; ip -br addr');
    await page.screenshot({ path: `${OUT}/shell-dark-wide.png` });
    const [popup] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Pop out' }).click()]);
    await popup.setViewportSize({ width: 960, height: 520 });
    await popup.getByRole('region', { name: 'Terminal web' }).waitFor();
    await popup.waitForTimeout(1500);
    await popup.screenshot({ path: `${OUT}/popout-dark.png` });
  }
  await context.close();
}

async function main(): Promise<void> {
  await up({ name: SB, extraGuests: 0, nixos: false });
  const web = await startWebMode(SB);
  const browser = await launchChromium();
  try {
    for (const scheme of ['light', 'dark'] as const) for (const size of ['wide', 'narrow'] as const) await shots(browser, web.url, scheme, size);
  } finally {
    await browser.close();
    web.stop();
  }
  process.stdout.write(`screenshots written to ${OUT}/\n`);
}

main().catch((e) => {
  process.stderr.write(`screenshots: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
