// Web mode's token outlives a restart of the hub for the same user, for a week at most.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_AGE_MS, persistentToken } from '../../hub/web-token';

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'nsd-token-')), 'nspawn-desktop');
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

describe('persistent web token', () => {
  it('is the same across restarts, and readable by its user only', () => {
    const t0 = Date.now();
    const a = persistentToken(dir, t0);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(persistentToken(dir, t0 + 60_000)).toBe(a);
    expect(statSync(join(dir, 'web-token')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('is replaced once it is a week old, or when the clock went back before it', () => {
    const t0 = Date.now();
    const a = persistentToken(dir, t0);
    const b = persistentToken(dir, t0 + MAX_AGE_MS);
    expect(b).not.toBe(a);
    expect(persistentToken(dir, t0 + MAX_AGE_MS - 1000)).not.toBe(b); // created in the "future"
  });

  it('replaces a file that is not a token', () => {
    persistentToken(dir);
    for (const junk of ['', '{"token": "short", "created": 1}', 'null', '{"token": 5}']) {
      writeFileSync(join(dir, 'web-token'), junk);
      const t = persistentToken(dir);
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(JSON.parse(readFileSync(join(dir, 'web-token'), 'utf8')).token).toBe(t);
    }
  });
});
