// Starts web mode against a sandbox in a child process, as `npm start` would, and returns its URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { chromium, type Browser } from '@playwright/test';

export interface WebChild { url: string; pid: number; stop(): void }

export function startWebMode(sandbox: string, extraEnv: Record<string, string> = {}): Promise<WebChild> {
  const child = spawn('npx', ['tsx', 'hub/web-main.ts'], {
    env: { ...process.env, NSD_SANDBOX: sandbox, ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  return webUrlOf(child).then((url) => {
    child.unref();
    return {
      url,
      pid: child.pid!,
      stop: () => {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch (e) {
          // ESRCH: the group has exited already, which is what stop wants.
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
        }
      },
    };
  });
}

/** The URL a web-mode hub prints on stdout (its one line), or why none came. */
export function webUrlOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`web mode printed no URL: ${out}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`web mode exited with ${code}: ${out}`)));
  });
}

/** Debian's Chromium, headless, as the tools and tests use it here (never a downloaded browser). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}
