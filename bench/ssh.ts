// The same figures over SSH, side by side with the local sandbox in the same run: the sandbox
// host's own sshd (sandbox/ssh.ts) holds the same machines and the same guest. Pairs are
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

async function appPage(browser: Browser, url: string): Promise<Page> {
  const page = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } })).newPage();
  await instrumentSockets(page);
  await page.goto(url);
  await page.getByRole('table', { name: 'Machines' }).waitFor({ timeout: 120_000 });
  return page;
}

export class SshBench {
  private constructor(private readonly browser: Browser, private readonly sandbox: string, private readonly localUrl: string,
    private readonly dir: string, private readonly env: Record<string, string>) {}

  /** The sandbox's sshd, ready for a second hub that reaches the host over SSH. */
  static async start(browser: Browser, state: SandboxState, sandbox: string, localUrl: string): Promise<SshBench> {
    const dir = mkdtempSync(join(tmpdir(), 'nsd-bench-ssh-'));
    const ssh = await enableSsh(state, join(dir, 'ssh'));
    return new SshBench(browser, sandbox, localUrl, dir, {
      NSD_HOSTS: `ssh:root@${ssh.alias}`, NSD_SSH_CONFIG: ssh.config, NSD_CONFIG_DIR: join(dir, 'config'), XDG_RUNTIME_DIR: join(dir, 'run'),
    });
  }

  /** The SSH hub and a page on each hub only while measuring: idle, they would load the other sections. */
  private async withPages<T>(fn: (local: Page, remote: Page, remoteUrl: string) => Promise<T>): Promise<T> {
    const web = await startWebMode(this.sandbox, this.env);
    const local = await appPage(this.browser, this.localUrl);
    const remote = await appPage(this.browser, web.url);
    try {
      return await fn(local, remote, web.url);
    } finally {
      await local.context().close();
      await remote.context().close();
      web.stop();
    }
  }

  /** The 16 MiB flood in the app, locally and over SSH, 2 pairs. */
  terminal(): Promise<Record<string, number>> {
    return this.withPages(async (local, remote) => {
      const ms = { local: [] as number[], ssh: [] as number[] };
      for (let i = 0; i < 2; i++) {
        ms.local.push((await uiFlood(local)).ms);
        ms.ssh.push((await uiFlood(remote)).ms);
      }
      const mbps = (t: number) => FLOOD_BYTES / 1024 / 1024 / (t / 1000);
      return {
        terminalLocalMiBps: round(mbps(median(ms.local))), terminalSshMiBps: round(mbps(median(ms.ssh))),
        ratioTerminalSshToLocal: round(median(ms.local) / median(ms.ssh), 2),
      };
    });
  }

  /** Page load → all `expected` rows, locally and over SSH, 3 pairs. */
  pageLoad(expected: number): Promise<Record<string, number>> {
    return this.withPages(async (local, remote, remoteUrl) => {
      const ms = { local: [] as number[], ssh: [] as number[] };
      for (let i = 0; i < 3; i++) {
        ms.local.push(await loadToAllRows(local, this.localUrl, expected));
        ms.ssh.push(await loadToAllRows(remote, remoteUrl, expected));
      }
      return {
        machines: expected, pageLoadToAllRowsLocalMs: round(median(ms.local)), pageLoadToAllRowsSshMs: round(median(ms.ssh)),
        ratioPageLoadSshToLocal: round(median(ms.ssh) / median(ms.local), 2),
      };
    });
  }

  stop(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
