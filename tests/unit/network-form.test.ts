import { describe, expect, it } from 'vitest';
import { nixSnippet, parseCidr, validateForm, type NetworkForm } from '../../shared/network';

const form = (p: Partial<NetworkForm>): NetworkForm => ({
  addresses: [], gateways: [], dns: [], dhcp: 'no', dhcpServer: 'no', ipMasquerade: 'no', linkLocal: 'yes', mdns: 'no', ...p,
});

describe('network form validation', () => {
  it.each(['192.168.42.1/24', 'fc42::1/64', '0.0.0.0/30', '::/64', '10.0.0.1/32', '2001:db8::1/128'])('accepts %s', (a) => {
    expect(typeof parseCidr(a)).toBe('object');
  });
  it.each([
    ['192.168.1.300/24', /not a valid/], ['10.1/8', /not a valid/], ['010.0.0.1/8', /not a valid/], ['192.168.0.1', /address\/prefix/],
    ['192.168.0.1/33', /0–32/], ['fc42::1/129', /0–128/], ['fe80::1%eth0/64', /not a valid/], ['1.2.3.4/24\nX=1', /address\/prefix/],
    ['10.0.0.1/0', /pool placeholders/],
  ])('refuses %j', (a, msg) => {
    const r = parseCidr(a);
    expect(typeof r).toBe('string');
    expect(r).toMatch(msg);
  });

  it('marks duplicates, unreachable gateways, own-address gateways and bad DNS next to the field', () => {
    const e = validateForm('container', form({
      addresses: ['192.168.42.2/24', '192.168.42.2/24'], gateways: ['10.0.0.1', '192.168.42.2', 'fe80::1'], dns: ['1.1.1.1', 'dns.example'],
    }));
    expect(e['addresses.1']).toMatch(/duplicate/);
    expect(e['gateways.0']).toMatch(/same subnet/);
    expect(e['gateways.1']).toMatch(/own address/);
    expect(e['gateways.2']).toBeUndefined(); // link-local gateways are always reachable
    expect(e['dns.1']).toMatch(/not a valid IP/);
    expect(validateForm('container', form({ addresses: ['192.168.42.2/24'], gateways: ['192.168.42.1'] }))).toEqual({});
  });

  it('wants an IPv4 address for a DHCP server', () => {
    expect(validateForm('host', form({ addresses: ['fc42::1/64'], dhcpServer: 'yes' })).dhcpServer).toMatch(/IPv4/);
    expect(validateForm('host', form({ addresses: ['0.0.0.0/30'], dhcpServer: 'yes' }))).toEqual({});
  });
});

describe('nix snippet', () => {
  it('writes nixos-nspawn options with Nix lists, booleans and escaped strings', () => {
    const s = nixSnippet('db', { host: { addresses: ['fc42::1/64', '192.168.42.1/24'], dhcpServer: 'no' }, container: { mdns: 'resolve' } });
    expect(s).toBe([
      'virtualisation.nspawn.containers."db".network.veth.config.host.networkConfig = {',
      '  Address = [ "fc42::1/64" "192.168.42.1/24" ];',
      '  DHCPServer = false;',
      '};',
      'virtualisation.nspawn.containers."db".network.veth.config.container.networkConfig = {',
      '  MulticastDNS = "resolve";',
      '};',
    ].join('\n'));
  });
});
