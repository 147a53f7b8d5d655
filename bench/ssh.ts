// The same figures over SSH, side by side with the local sandbox in the same run: the sandbox
// host's own sshd (sandbox/ssh.ts) holds the same 1000 machines and the same guest. Pairs are
// interleaved (local, ssh, local, ssh …) so both see the same machine load.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { enableSsh } from '../sandbox/ssh.js';
import type { SandboxState } from '../sandbox/sandbox.js';
import { startWebMode } from '../sandbox/web-child.js';
import { loadToAllRows } from './scale.js';
import { median, round } from './stats.js';
import { FLOOD_BYTES, instrumentSockets, uiFlood } from './terminal.js';

const PAIRS = 3;

async function appPage(browser: Browser, url: string): Promise<Page> {
  const page = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } })).newPage();
  await instrumentSockets(page);
  await page.goto(url);
  await page.getByRole('table', { name: 'Machines' }).waitFor({ timeout: 120_000 });
  return page;
}

export async function sshFigures(browser: Browser, state: SandboxState, sandbox: string, localUrl: string, expected: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'nsd-bench-ssh-'));
  const ssh = await enableSsh(state, join(dir, 'ssh'));
  const web = await startWebMode(sandbox, {
    NSD_HOSTS: `ssh:root@${ssh.alias}`, NSD_SSH_CONFIG: ssh.config, NSD_CONFIG_DIR: join(dir, 'config'), XDG_RUNTIME_DIR: join(dir, 'run'),
  });
  try {
    const local = await appPage(browser, localUrl);
    const remote = await appPage(browser, web.url);
    const load = { local: [] as number[], ssh: [] as number[] };
    const flood = { local: [] as number[], ssh: [] as number[] };
    for (let i = 0; i < PAIRS; i++) {
      load.local.push(await loadToAllRows(local, localUrl, expected));
      load.ssh.push(await loadToAllRows(remote, web.url, expected));
    }
    for (let i = 0; i < 2; i++) {
      flood.local.push((await uiFlood(local)).ms);
      flood.ssh.push((await uiFlood(remote)).ms);
    }
    const mbps = (ms: number) => FLOOD_BYTES / 1024 / 1024 / (ms / 1000);
    await local.context().close();
    await remote.context().close();
    return {
      machines: expected,
      pageLoadToAllRowsLocalMs: round(median(load.local)), pageLoadToAllRowsSshMs: round(median(load.ssh)),
      ratioPageLoadSshToLocal: round(median(load.ssh) / median(load.local), 2),
      terminalLocalMiBps: round(mbps(median(flood.local))), terminalSshMiBps: round(mbps(median(flood.ssh))),
      ratioTerminalSshToLocal: round(median(flood.local) / median(flood.ssh), 2),
    };
  } finally {
    web.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
