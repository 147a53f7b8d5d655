// What the packages install, checked as far as this machine can: electron-builder's own schema
// for electron-builder.yml; the one admin-agent path the hub, the polkit action, the deb and the
// Nix package must agree on; the Nix files parsed and the NixOS module evaluated by Debian's
// nix-instantiate (with a stand-in for nixpkgs' lib: nixpkgs itself cannot be fetched here).
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ADMIN_AGENT } from '../../hub/launchers';

const ROOT = join(import.meta.dirname, '../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const require = createRequire(import.meta.url);

interface BuilderConfig { linux: { target: string[] }; deb: { depends: string[]; fpm: string[] }; files: string[] }
async function builderConfig(): Promise<{ config: BuilderConfig; validate: (c: unknown) => Promise<void> }> {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    getConfig: (dir: string, path: null, opts: null) => Promise<BuilderConfig>;
    validateConfiguration: (c: unknown, logger: unknown) => Promise<void>;
  };
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (on: boolean) => unknown };
  return { config: await getConfig(ROOT, null, null), validate: (c) => validateConfiguration(c, new DebugLogger(false)) };
}

/** deb.fpm's `source=destination` mappings. */
const fpmMap = (c: BuilderConfig) => new Map(c.deb.fpm.map((m) => m.split('=') as [string, string]));

describe('electron-builder (npm run dist)', () => {
  it('its configuration passes electron-builder\'s own validation, and a wrong key does not', async () => {
    const { config, validate } = await builderConfig();
    await expect(validate(config)).resolves.toBeUndefined();
    await expect(validate({ ...config, debb: {} })).rejects.toThrow(/debb/);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.deb.depends).toEqual(expect.arrayContaining(['systemd-container', 'polkitd', 'pkexec']));
  }, 30_000); // loading electron-builder takes seconds when npm test runs the sandbox tests beside it

  it('the deb installs the admin agent where the hub runs it and the policy names it', async () => {
    const map = fpmMap((await builderConfig()).config);
    expect(map.get('assets/polkit/admin-agent')).toBe(ADMIN_AGENT);
    expect(read('assets/polkit/org.nspawn-desktop.policy')).toContain(`<annotate key="org.freedesktop.policykit.exec.path">${ADMIN_AGENT}</annotate>`);
    expect(map.get('assets/polkit/org.nspawn-desktop.policy')).toBe('/usr/share/polkit-1/actions/org.nspawn-desktop.policy');
    // The admin agent runs the bundle where the deb puts dist/agent.
    const bundle = /exec \/usr\/bin\/node (\S+) "\$@"/.exec(read('assets/polkit/admin-agent'))![1];
    expect(bundle).toBe(`${map.get('dist/agent/')}agent.cjs`);
    expect(read('scripts/build-agent.mjs')).toContain('dist/agent/${out}');
    for (const src of map.keys()) if (!src.startsWith('dist/')) expect(existsSync(join(ROOT, src)), src).toBe(true);
  });
});

const nix = spawnSync('nix-instantiate', ['--version']).status === 0;
const NO_NIX = 'skipped: nix-instantiate is not installed (scripts/setup.sh --test installs Debian\'s nix-bin)';

describe('Nix flake and NixOS module', () => {
  const nixFiles = ['flake.nix', 'nix/package.nix', 'nix/module.nix'];

  it.skipIf(!nix)(`every Nix file parses${nix ? '' : ` (${NO_NIX})`}`, () => {
    for (const f of nixFiles) execFileSync('nix-instantiate', ['--parse', join(ROOT, f)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const broken = spawnSync('nix-instantiate', ['--parse', '-E', '{ a = 1; '], { encoding: 'utf8' });
    expect(broken.status, 'a syntax error is caught').not.toBe(0);
  });

  it.skipIf(!nix)(`programs.nspawn-desktop installs the app, enables polkit, and gives managerGroup the rules${nix ? '' : ` (${NO_NIX})`}`, () => {
    const evalWith = (group: string) => JSON.parse(execFileSync('nix-instantiate', [
      '--eval', '--strict', '--json', join(ROOT, 'tests/unit/nix-module-eval.nix'), '--arg', 'root', ROOT, '--argstr', 'group', group,
    ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as Record<string, unknown>;
    const r = evalWith('wheel');
    expect(r.options).toEqual(['enable', 'managerGroup', 'package']);
    expect(r.packageDefault, 'the default package is the flake\'s own').toBe(true);
    expect(r.systems).toEqual(['aarch64-linux', 'x86_64-linux']);
    expect(r.systemPackages).toEqual(['the-package']);
    expect(r.polkit).toBe(true);
    expect(r.rules).toContain('subject.isInGroup("wheel")');
    expect(r.rules).not.toContain('"machines"');
    expect(r.groups).toEqual({ wheel: {} });
  });

  it('the Nix package points pkexec, the policy and the app at its own store paths', () => {
    const pkg = read('nix/package.nix');
    expect(pkg).toContain(`--replace-fail ${ADMIN_AGENT} $out/libexec/nspawn-desktop/admin-agent`);
    expect(pkg).toContain('--set NSD_ADMIN_AGENT $out/libexec/nspawn-desktop/admin-agent');
    expect(pkg).toContain('--set NSD_NODE');
  });
});
