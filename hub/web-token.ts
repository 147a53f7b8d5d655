// Web mode's access token outlives a restart of the hub for the same user, so a page left open
// reconnects after `npm start` runs again. Kept 0600 in $XDG_RUNTIME_DIR (cleared at logout) or
// else ~/.local/state, and replaced after MAX_AGE_MS: an older page is then told to open the new URL.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { log } from './log.js';

export const MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function tokenDir(): string {
  const base = process.env.XDG_RUNTIME_DIR || process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'nspawn-desktop');
}

/** The stored token if it is younger than MAX_AGE_MS, else a new one (stored). */
export function persistentToken(dir = tokenDir(), now = Date.now()): string {
  const file = join(dir, 'web-token');
  try {
    const { token, created } = JSON.parse(readFileSync(file, 'utf8')) as { token?: unknown; created?: unknown };
    if (typeof token === 'string' && TOKEN.test(token) && typeof created === 'number' && now - created < MAX_AGE_MS && created <= now) return token;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log(`web token in ${dir} unreadable (${(e as Error).message}); making a new one`);
  }
  const token = randomBytes(32).toString('base64url');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ token, created: now }), { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
  return token;
}
