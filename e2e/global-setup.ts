// Boots the e2e sandbox and starts the web-mode backend against it, as `npm start` would.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { up } from '../sandbox/sandbox';
import { startWebMode } from '../sandbox/web-child';
import { SANDBOX, STATE_FILE, type E2EState } from './env';

export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  const s = await up({ name: SANDBOX, extraGuests: 0, nixos: false });
  console.log(`[e2e] sandbox ${SANDBOX} up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const web = await startWebMode(SANDBOX);
  const state: E2EState = { url: web.url, serverPid: web.pid, leaderPid: s.leaderPid, busAddress: s.busAddress, execPrefix: s.execPrefix };
  mkdirSync(dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(state));
}
