// Network apply on a NixOS-style host (store symlinks + /etc/NIXOS) in a real sandbox, through the
// real dispatcher: only a runtime drop-in is written, the Nix snippet is offered, conflicts and
// bad input write nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, lstatSync, readlinkSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { AgentLink } from '../../hub/agent-link';
import { sandboxLauncher } from '../../hub/launchers';
import { down, type SandboxState } from '../../sandbox/sandbox';
import { sandboxAgent, until } from './sandbox-agent';
import { DirectClient } from '../../hub/direct-client';
import type { NetworkView } from '../../shared/contract';
import type { SettingsPlan, SettingsView } from '../../shared/settings';

const NAME = 'it-nixos';
let state: SandboxState;
let link: AgentLink;
let d: DirectClient;

beforeAll(async () => {
  ({ state, link, client: d } = await sandboxAgent(NAME, true));
});

afterAll(async () => {
  await link?.stop();
  await down(NAME);
});

const root = () => `/proc/${state.leaderPid}/root`;
const DROPIN = '/run/systemd/network/10-ve-db.network.d/50-nspawn-desktop.conf';
const OVERRIDE = '/run/systemd/network/00-nsd-10-ve-db.network';
const ipAddr = () => spawnSync(state.execPrefix[0], [...state.execPrefix.slice(1), 'ip', '-o', 'addr', 'show', 'dev', 've-db'], { encoding: 'utf8' }).stdout;

async function view(): Promise<NetworkView> {
  const r = await d.dispatch('network.get', { name: 'db' });
  if (!r.ok) throw new Error(r.error.message);
  return r.result as NetworkView;
}

async function apply(host: unknown, tags: Record<string, string>) {
  const r = await d.dispatch('network.apply', { name: 'db', host, tags });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message} ${JSON.stringify(r.error.fields)}`);
  return r.result as { files: { path: string }[]; runtimeOnly: boolean; nixSnippet?: string };
}

describe('network apply on a NixOS layout', () => {
  it('adds an address and changes a setting with only a runtime drop-in, and offers the Nix snippet', async () => {
    const v = await view();
    expect(v.nixos).toBe(true);
    expect(v.host.mode).toBe('runtime');
    const main = `${root()}/etc/systemd/network/10-ve-db.network`;
    expect(lstatSync(main).isSymbolicLink()).toBe(true);
    expect(readlinkSync(main)).toMatch(/^\/nix\/store\//);
    const store = `${root()}${readlinkSync(main)}`;
    const storeBefore = readFileSync(store, 'utf8');
    const res = await apply({ ...v.host.values, addresses: [...v.host.values.addresses, '192.168.50.1/24'], mdns: 'no' }, v.host.tags);
    expect(res.files.map((f) => f.path)).toEqual([DROPIN]);
    expect(res.runtimeOnly).toBe(true);
    expect(res.nixSnippet).toContain('virtualisation.nspawn.containers."db".network.veth.config.host.networkConfig = {');
    expect(res.nixSnippet).toContain('Address = [ "fc42::1/64" "192.168.42.1/24" "192.168.50.1/24" ];');
    expect(res.nixSnippet).toContain('MulticastDNS = false;');
    expect(readFileSync(store, 'utf8')).toBe(storeBefore);
    expect(readlinkSync(main)).toMatch(/^\/nix\/store\//);
    expect(readFileSync(`${root()}${DROPIN}`, 'utf8')).toMatch(/\[Network\]\nAddress=192\.168\.50\.1\/24\nMulticastDNS=no\n/);
    // networkd re-adds the link's addresses one by one after a reconfigure: wait for both.
    await expect.poll(() => { const a = ipAddr(); return a.includes('192.168.50.1/24') && a.includes('192.168.42.1/24'); }, { timeout: 10_000 }).toBe(true);
  });

  it('removes an address through a runtime override that wins over the store file', async () => {
    const v = await view();
    const res = await apply({ ...v.host.values, addresses: ['fc42::1/64', '192.168.43.1/24'] }, v.host.tags);
    expect(res.files.map((f) => f.path)).toEqual([OVERRIDE]);
    expect(res.runtimeOnly).toBe(true);
    await expect.poll(ipAddr, { timeout: 10_000 }).toContain('192.168.43.1/24');
    await expect.poll(ipAddr, { timeout: 10_000 }).not.toContain('192.168.42.1/24');
    const again = await view();
    expect(again.host.file).toBe(OVERRIDE);
    expect(again.host.values.addresses).toEqual(['fc42::1/64', '192.168.43.1/24']);
    expect(again.host.live.networkFile).toBe(OVERRIDE);
  });

  it('refuses to overwrite a file that changed since the form was read', async () => {
    const v = await view();
    const external = readFileSync(`${root()}${OVERRIDE}`, 'utf8') + '# edited by hand meanwhile\n';
    writeFileSync(`${root()}${OVERRIDE}`, external);
    const r = await d.dispatch('network.apply', { name: 'db', host: { ...v.host.values, addresses: ['192.168.42.78/24'] }, tags: v.host.tags });
    expect(r).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(readFileSync(`${root()}${OVERRIDE}`, 'utf8')).toBe(external);
  });

  it('refuses injection and bad values with field errors and writes nothing', async () => {
    const v = await view();
    const before = readFileSync(`${root()}${OVERRIDE}`, 'utf8');
    const bad: [string, unknown][] = [
      ['host.addresses.0', { ...v.host.values, addresses: ['1.2.3.4/24\n[Exec]\nBoot=no'] }],
      ['host.addresses.0', { ...v.host.values, addresses: ['010.1.1.1/24'] }],
      ['host.addresses.1', { ...v.host.values, addresses: ['10.0.0.1/24', '10.0.0.1/24'] }],
      ['host.ipMasquerade', { ...v.host.values, ipMasquerade: 'both\nDNS=1.1.1.1' }],
      ['host.addresses', { ...v.host.values, addresses: Array(100).fill('10.0.0.1/24') }],
    ];
    for (const [field, host] of bad) {
      const r = await d.dispatch('network.apply', { name: 'db', host, tags: v.host.tags });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('invalid_request');
        expect(Object.keys(r.error.fields ?? {})).toContain(field);
      }
    }
    for (const name of ['../etc', 'db/..', 'db\0', 'a'.repeat(200)]) {
      const r = await d.dispatch('network.apply', { name, host: v.host.values, tags: {} });
      expect(r).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    expect(readFileSync(`${root()}${OVERRIDE}`, 'utf8')).toBe(before);
    expect(existsSync(`${root()}/etc/systemd/network/10-ve-db.network.d`)).toBe(false);
  });

  // Last: it relies on the override as the tests above left it (created, then edited by hand).
  it('keeps Undo across a restart of the agent, puts the old file back byte for byte, and refuses it over a hand edit', async () => {
    // A new agent process: Undo must come from the record on the host, not from memory.
    const restart = async () => {
      await link.stop();
      link = new AgentLink(sandboxLauncher(NAME));
      await link.start();
      d = new DirectClient(link);
      await until('the new agent on the bus', () => d.status?.connected === true);
      await d.refresh();
    };
    await restart();
    const edited = readFileSync(`${root()}${OVERRIDE}`, 'utf8');
    const old = await view();
    expect(old.lastChange?.files).toEqual([OVERRIDE]);
    // The change that created the override cannot be undone: the file was edited by hand since.
    const refused = await d.dispatch('network.undo', { token: old.lastChange!.token });
    expect(refused).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(readFileSync(`${root()}${OVERRIDE}`, 'utf8')).toBe(edited);

    await apply({ ...old.host.values, addresses: ['fc42::1/64', '192.168.44.1/24'] }, old.host.tags);
    await expect.poll(ipAddr, { timeout: 10_000 }).toContain('192.168.44.1/24');
    await restart();
    const v = await view();
    expect(v.lastChange?.files).toEqual([OVERRIDE]);
    expect(v.lastChange?.token).not.toBe(old.lastChange!.token);
    const r = await d.dispatch('network.undo', { token: v.lastChange!.token });
    expect(r).toMatchObject({ ok: true, result: { restored: [OVERRIDE] } });
    expect(readFileSync(`${root()}${OVERRIDE}`, 'utf8')).toBe(edited);
    await expect.poll(ipAddr, { timeout: 10_000 }).toContain('192.168.43.1/24');
    expect((await view()).lastChange?.token).toBe(old.lastChange!.token);
  });
});

describe('settings on a NixOS layout', () => {
  it('a machine whose .nspawn is a store file in /etc: the panel says configuration.nix, gives the options, and writes nothing', async () => {
    const v = await d.call<SettingsView>('settings.get', { name: 'db' });
    expect(v.runtime).toBe(true);
    expect(v.blocked).toContain('comes from the Nix store');
    const form = { ...v.form, ports: [{ protocol: 'tcp', host: 8081, container: 81 }] };
    const plan = await d.call<SettingsPlan>('settings.preview', { name: 'db', form, tag: v.tag });
    expect(plan.nixSnippet).toContain('systemd.nspawn."db".networkConfig.Port = [ "tcp:8081:81" ];');
    expect(plan.notes.join(' ')).toContain('Not applicable here');
    const r = await d.dispatch('settings.apply', { name: 'db', form, tag: v.tag });
    expect(r).toMatchObject({ ok: false, error: { code: 'unsupported_file' } });
    expect(existsSync(`${root()}/run/systemd/nspawn/db.nspawn`)).toBe(false);
  });
});
