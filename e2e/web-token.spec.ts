// Web mode's hub restarted: a page left open reconnects by itself with the same token, and after
// the token changed it says to open the new URL, instead of retrying forever in silence.
import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebMode, type WebChild } from '../sandbox/web-child';
import { SANDBOX } from './env';

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

test('a page reconnects after the hub restarts, and an expired token says so', async ({ page }) => {
  test.setTimeout(120_000);
  const runtime = mkdtempSync(join(tmpdir(), 'nsd-e2e-runtime-'));
  const env = { XDG_RUNTIME_DIR: runtime, NSD_PORT: String(await freePort()) };
  let web: WebChild | undefined = await startWebMode(SANDBOX, env);
  try {
    const firstUrl = web.url;
    await page.goto(firstUrl);
    const status = page.getByRole('status', { name: 'Connection' });
    await expect(status).toHaveText(/connected/i);
    web.stop();
    await expect(page.getByRole('alert').filter({ hasText: 'Backend unreachable' })).toContainText('Reconnecting');
    web = await startWebMode(SANDBOX, env);
    expect(web.url).toBe(firstUrl); // same port, same token
    await expect(status).toHaveText(/^connected$/i, { timeout: 20_000 });

    // A new token (the old one expired, or its file was removed): the old page is told to open the new URL.
    web.stop();
    rmSync(join(runtime, 'nspawn-desktop', 'web-token'));
    web = await startWebMode(SANDBOX, env);
    expect(web.url).not.toBe(firstUrl);
    await expect(page.getByRole('alert').filter({ hasText: 'Backend unreachable' })).toContainText('access token is no longer valid', { timeout: 20_000 });
  } finally {
    web?.stop();
    rmSync(runtime, { recursive: true, force: true });
  }
});
