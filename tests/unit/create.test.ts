// A new container's request as the form sends it: checked strictly, and the files and the Nix
// snippet it turns into.
import { describe, expect, it } from 'vitest';
import { createNixSnippet, CreateRequest, networkTexts, nspawnText } from '../../shared/create';

const base = { kind: 'machine.create', name: 'app', source: { type: 'clone', image: 'db' }, network: { mode: 'dhcp' }, binds: [], ephemeral: false, autostart: true, start: true, runtime: false };
const parse = (over: Record<string, unknown>) => CreateRequest.safeParse({ ...base, ...over });
const issue = (over: Record<string, unknown>) => {
  const r = parse(over);
  return r.success ? undefined : { path: r.error.issues[0].path.join('.'), message: r.error.issues[0].message };
};

describe('CreateRequest', () => {
  it('accepts a plain clone with DHCP', () => expect(parse({}).success).toBe(true));
  it('refuses what would become a wrong file or mount', () => {
    expect(issue({ name: 'a_b' })?.path).toBe('name');
    expect(issue({ binds: [{ source: '/srv/../etc', target: '/x', readOnly: false }] })).toEqual({ path: 'binds.0.source', message: 'no ".." in the path' });
    expect(issue({ binds: [{ source: '/srv/a:/etc', target: '/x', readOnly: false }] })).toEqual({ path: 'binds.0.source', message: 'no ":" or spaces in the path' });
    expect(issue({ binds: [{ source: '/srv', target: 'data', readOnly: false }] })).toEqual({ path: 'binds.0.target', message: 'an absolute path in the container' });
    expect(issue({ binds: [{ source: '/a', target: '/d', readOnly: false }, { source: '/b', target: '/d', readOnly: true }] })).toEqual({ path: 'binds.1.target', message: 'bound twice' });
    expect(issue({ source: { type: 'scratch' }, binds: [{ source: '/opt/usr', target: '/usr', readOnly: true }] })?.message).toBe('/usr comes from the host in a container from scratch');
  });
  it('checks static addresses as networkd would need them', () => {
    const net = (hostAddress: string, containerAddress: string) => issue({ network: { mode: 'static', hostAddress, containerAddress } });
    expect(net('10.0.0.1/24', '10.0.0.2/24')).toBeUndefined();
    expect(net('10.0.0.1', '10.0.0.2/24')).toEqual({ path: 'network.hostAddress', message: 'use address/prefix, e.g. 192.168.42.1/24 or fc42::1/64' });
    expect(net('10.0.0.1/24', '10.0.1.2/24')?.message).toBe("not in the host end's subnet (10.0.0.1/24)");
    expect(net('10.0.0.1/24', '10.0.0.1/24')?.message).toBe('the two ends need different addresses');
    expect(net('10.0.0.1/24', 'fc00::2/64')?.message).toBe('use the same IP version on both ends');
  });
});

describe('what a request writes', () => {
  const r = (over: Record<string, unknown>) => CreateRequest.parse({ ...base, ...over });
  it('the .nspawn: boot, ephemeral, binds, veth', () => {
    expect(nspawnText(r({ source: { type: 'scratch' }, binds: [{ source: '/srv/data', target: '/data', readOnly: false }] })))
      .toBe('[Exec]\nBoot=yes\nEphemeral=yes\n\n[Files]\nBindReadOnly=/usr\nBind=/srv/data:/data\n\n[Network]\nVirtualEthernet=yes\n');
    expect(nspawnText(r({ network: { mode: 'host' } }))).toBe('[Exec]\nBoot=yes\n\n[Network]\nVirtualEthernet=no\n');
  });
  it('both .network files for static addresses, none for DHCP', () => {
    expect(networkTexts(r({}))).toBeUndefined();
    const t = networkTexts(r({ network: { mode: 'static', hostAddress: '10.0.0.1/24', containerAddress: '10.0.0.2/24' } }))!;
    expect(t.host).toBe('[Match]\nKind=veth\nName=ve-app\n\n[Network]\nAddress=10.0.0.1/24\nLinkLocalAddressing=no\n');
    expect(t.container).toContain('Name=host0');
    expect(t.container).toContain('Address=10.0.0.2/24');
  });
  it('the NixOS snippet names the same addresses and binds', () => {
    const nix = createNixSnippet(r({ network: { mode: 'static', hostAddress: '10.0.0.1/24', containerAddress: '10.0.0.2/24' }, binds: [{ source: '/srv/data', target: '/data', readOnly: true }] }));
    expect(nix).toContain('virtualisation.nspawn.containers."app" = {');
    expect(nix).toContain('network.veth.config.host.networkConfig.Address = [ "10.0.0.1/24" ];');
    expect(nix).toContain('network.veth.config.container.networkConfig.Address = [ "10.0.0.2/24" ];');
    expect(nix).toContain('systemd.nspawn."app".filesConfig.BindReadOnly = [ "/srv/data:/data" ];');
  });
});
