// Boots the e2e sandbox and starts the web-mode backend against it, as `npm start` would.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { up } from '../sandbox/sandbox';
import { SANDBOX, STATE_FILE, type E2EState } from './env';

export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  const s = await up({ name: SANDBOX, extraGuests: 0, nixos: false });
  console.log(`[e2e] sandbox ${SANDBOX} up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const child = spawn('npx', ['tsx', 'electron/backend/web/main.ts'], {
    env: { ...process.env, NSD_SANDBOX: SANDBOX },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const url = await new Promise<string>((resolve, reject) => {
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
  child.unref();
  const state: E2EState = { url, serverPid: child.pid!, leaderPid: s.leaderPid, busAddress: s.busAddress, execPrefix: s.execPrefix };
  mkdirSync(dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(state));
}
