// `npm run dist` as far as this machine can take it: electron-builder packs the app around a
// stand-in Electron (its binary cannot be downloaded here; the stand-in carries Electron's fuse
// sentinel so the fuses are really flipped). AppImage and deb need downloads too (appimagetool,
// fpm) and are not built here; their configuration is checked in tests/unit/packaging.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as { listPackage: (p: string) => string[] };
const fuses = require('@electron/fuses') as { getCurrentFuseWire: (p: string) => Promise<Record<string, number>> };
// @electron/fuses' sentinel and wire: version 1, 9 fuses, all '1' (enabled) until flipped.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

let tmp: string;
let app: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nsd-dist-'));
  const electronDist = join(tmp, 'electron');
  mkdirSync(join(electronDist, 'resources'), { recursive: true });
  writeFileSync(join(electronDist, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n# '), Buffer.from(SENTINEL), Buffer.from([1, 9]), Buffer.from('111111111\n')]));
  chmodSync(join(electronDist, 'electron'), 0o755);
  for (const f of ['LICENSE', 'LICENSES.chromium.html', 'version']) writeFileSync(join(electronDist, f), '');
  execFileSync(join(ROOT, 'node_modules/.bin/electron-builder'), [
    '--linux', 'dir', `-c.electronDist=${electronDist}`, `-c.electronVersion=${require('electron/package.json').version}`, `-c.directories.output=${join(tmp, 'out')}`,
  ], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
  app = join(tmp, 'out/linux-unpacked');
}, 120_000);
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the packaged app (electron-builder --dir)', () => {
  it('app.asar holds the shell, the renderer and the icon, and no node_modules of its own', () => {
    const files = asar.listPackage(join(app, 'resources/app.asar'));
    for (const f of ['/dist/electron/main.cjs', '/dist/electron/preload.cjs', '/dist/renderer/index.html', '/assets/icon.png', '/package.json']) expect(files).toContain(f);
    expect(files.filter((f) => f.startsWith('/node_modules'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('the agent is unpacked beside it, and its native node-pty loads under the system node', () => {
    const agent = join(app, 'resources/app.asar.unpacked/dist/agent');
    expect(existsSync(join(agent, 'agent.cjs'))).toBe(true);
    expect(existsSync(join(agent, 'pty-host.cjs'))).toBe(true);
    const out = execFileSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(join(agent, 'node_modules/node-pty'))}).spawn)`], { encoding: 'utf8' });
    expect(out).toBe('function');
  });

  it('the hardening fuses are flipped: no running as Node, no NODE_OPTIONS, no inspector', async () => {
    const wire = await fuses.getCurrentFuseWire(join(app, 'nspawn-desktop'));
    const ON = 49, OFF = 48; // '1', '0'
    expect([wire[0], wire[2], wire[3]]).toEqual([OFF, OFF, OFF]); // RunAsNode, NODE_OPTIONS, --inspect
    expect([wire[1], wire[4], wire[5]]).toEqual([ON, ON, ON]); // cookie encryption, asar integrity, only app.asar
  });
});
