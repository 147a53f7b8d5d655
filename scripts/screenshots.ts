// `npx tsx scripts/screenshots.ts`: the README's screenshots, taken in Debian's Chromium against
// web mode on a sandbox (brought up if needed, left running).
import type { Page } from '@playwright/test';
import { up } from '../sandbox/sandbox';
import { launchChromium, startWebMode } from '../sandbox/web-child';

const SB = process.env.NSD_SANDBOX ?? 'default';
const OUT = 'docs/screenshots';

async function shell(page: Page, line: string): Promise<void> {
  await page.getByRole('button', { name: 'Open shell on web' }).click();
  const term = page.getByRole('region', { name: 'Terminal web' });
  await term.getByText(/root@web/).first().waitFor({ timeout: 30_000 }).catch(() => undefined);
  await term.click();
  await page.keyboard.type(`${line}\n`);
  await page.waitForTimeout(1500);
}

async function main(): Promise<void> {
  await up({ name: SB, extraGuests: 0, nixos: false });
  const web = await startWebMode(SB);
  const browser = await launchChromium();
  try {
    for (const scheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 760 } });
      const page = await context.newPage();
      await page.goto(web.url);
      await page.getByRole('button', { name: 'Details of web' }).waitFor();
      await page.waitForTimeout(1500);
      if (scheme === 'light') {
        await page.screenshot({ path: `${OUT}/machines-light.png` });
      } else {
        await shell(page, 'cat /etc/os-release | head -3; ip -br addr');
        await page.screenshot({ path: `${OUT}/shell-dark.png` });
        const [popup] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Pop out' }).click()]);
        await popup.setViewportSize({ width: 960, height: 520 });
        await popup.getByRole('region', { name: 'Terminal web' }).waitFor();
        await popup.waitForTimeout(1500);
        await popup.screenshot({ path: `${OUT}/popout-dark.png` });
      }
      await context.close();
    }
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
