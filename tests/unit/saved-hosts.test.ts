// The SSH hosts a user added survive a restart with their options; an older file (targets only)
// still loads, and a broken one starts the app without saved hosts instead of failing.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDir, loadSshHosts, saveSshHosts } from '../../hub/ssh/saved-hosts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nsd-saved-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('saved SSH hosts', () => {
  it('round-trip with the Nix choice, in a file only the user can read', () => {
    saveSshHosts([{ target: 'admin@server1' }, { target: 'root@nixbox:2222', nixNode: true }], join(dir, 'cfg'));
    expect(loadSshHosts(join(dir, 'cfg'))).toEqual([{ target: 'admin@server1' }, { target: 'root@nixbox:2222', nixNode: true }]);
    expect(statSync(join(dir, 'cfg', 'hosts.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, 'cfg', 'hosts.json'), 'utf8'))).toEqual({ ssh: ['admin@server1', { target: 'root@nixbox:2222', nixNode: true }] });
  });

  it('an older file of targets only still loads', () => {
    writeFileSync(join(dir, 'hosts.json'), JSON.stringify({ ssh: ['a@b', 'c'] }));
    expect(loadSshHosts(dir)).toEqual([{ target: 'a@b' }, { target: 'c' }]);
  });

  it('a broken file or an unknown key: no saved hosts, and the log says why', () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      writeFileSync(join(dir, 'hosts.json'), '{"ssh": [');
      expect(loadSshHosts(dir)).toEqual([]);
      writeFileSync(join(dir, 'hosts.json'), JSON.stringify({ ssh: [{ target: 'a', password: 'x' }] }));
      expect(loadSshHosts(dir)).toEqual([]);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/not JSON[\s\S]*not a host list/);
    } finally {
      err.mockRestore();
    }
  });

  it('lives in NSD_CONFIG_DIR, else under XDG_CONFIG_HOME', () => {
    expect(configDir({ NSD_CONFIG_DIR: '/x' })).toBe('/x');
    expect(configDir({ XDG_CONFIG_HOME: '/y' })).toBe('/y/nspawn-desktop');
  });
});
