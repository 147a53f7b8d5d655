// The veth network form: fields, their networkd keys, strict validation, and the Nix snippet.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

export const SIDES = ['host', 'container'] as const;
export type Side = (typeof SIDES)[number];

const YesNo = z.enum(['yes', 'no']);
// A newline in a value would become a line of its own in the unit file (a reset, a new key).
const isControl = (c: string) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f;
const Item = z.string().max(64).refine((s) => ![...s].some(isControl), 'control characters are not allowed');
export const NetworkForm = z.object({
  addresses: z.array(Item).max(32),
  gateways: z.array(Item).max(8),
  dns: z.array(Item).max(8),
  dhcp: z.enum(['yes', 'no', 'ipv4', 'ipv6']),
  dhcpServer: YesNo,
  ipMasquerade: z.enum(['no', 'yes', 'ipv4', 'ipv6', 'both']),
  linkLocal: z.enum(['yes', 'no', 'ipv4', 'ipv6', 'fallback', 'ipv4-fallback']),
  mdns: z.enum(['yes', 'no', 'resolve']),
}).strict();
export type NetworkForm = z.infer<typeof NetworkForm>;
export type FieldName = keyof NetworkForm;

/** networkd [Network] key of each field; list fields may repeat. */
export const FIELD_KEYS: Record<FieldName, { key: string; list: boolean; default: string }> = {
  addresses: { key: 'Address', list: true, default: '' },
  gateways: { key: 'Gateway', list: true, default: '' },
  dns: { key: 'DNS', list: true, default: '' },
  dhcp: { key: 'DHCP', list: false, default: 'no' },
  dhcpServer: { key: 'DHCPServer', list: false, default: 'no' },
  ipMasquerade: { key: 'IPMasquerade', list: false, default: 'no' },
  linkLocal: { key: 'LinkLocalAddressing', list: false, default: 'ipv6' },
  mdns: { key: 'MulticastDNS', list: false, default: 'no' },
};
export const FIELDS = Object.keys(FIELD_KEYS) as FieldName[];

/** Fields shown for each side (the others keep whatever the files say). */
export const SIDE_FIELDS: Record<Side, FieldName[]> = {
  host: ['addresses', 'dhcpServer', 'ipMasquerade', 'linkLocal', 'mdns'],
  container: ['addresses', 'gateways', 'dns', 'dhcp', 'linkLocal', 'mdns'],
};

const BOOL_TRUE = new Set(['yes', 'true', 'on', '1']);
const BOOL_FALSE = new Set(['no', 'false', 'off', '0']);

/** systemd booleans have many spellings; the form shows yes/no. */
export function normalizeValue(field: FieldName, raw: string | undefined): string {
  const v = (raw ?? FIELD_KEYS[field].default).trim().toLowerCase();
  if (BOOL_TRUE.has(v)) return 'yes';
  if (BOOL_FALSE.has(v)) return 'no';
  return v;
}

export interface ParsedCidr { family: 4 | 6; addr: ipaddr.IPv4 | ipaddr.IPv6; prefix: number }

export function parseIp(s: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s);
  if (s.includes(':') && ipaddr.IPv6.isValid(s) && !s.includes('%')) return ipaddr.IPv6.parse(s);
  return undefined;
}

export function parseCidr(s: string): ParsedCidr | string {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(s.trim());
  if (!m) return 'use address/prefix, e.g. 192.168.42.1/24 or fc42::1/64';
  const addr = parseIp(m[1]);
  if (!addr) return `${m[1]} is not a valid IPv4 (four-part) or IPv6 address`;
  const prefix = Number(m[2]);
  const family = addr.kind() === 'ipv4' ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  if (prefix > max) return `prefix must be 0–${max} for IPv${family}`;
  if (prefix === 0 && !addr.toNormalizedString().match(/^(0\.0\.0\.0|0(:0){7})$/)) return 'prefix 0 is only allowed for the pool placeholders 0.0.0.0/0 and ::/0';
  return { family, addr, prefix };
}

/** Field errors keyed `field` or `field.N`, empty when the form is valid. */
export function validateForm(side: Side, f: NetworkForm): Record<string, string> {
  const errors: Record<string, string> = {};
  // Limits of the request schema, said on the field (the line after the last allowed one).
  for (const [field, max] of [['addresses', 32], ['gateways', 8], ['dns', 8]] as const) {
    if (f[field].length > max) errors[`${field}.${max}`] = `at most ${max} entries`;
    f[field].forEach((v, i) => { if (v.length > 64) errors[`${field}.${i}`] = 'longer than 64 characters'; });
  }
  const cidrs: ParsedCidr[] = [];
  const seen = new Set<string>();
  f.addresses.forEach((a, i) => {
    if (errors[`addresses.${i}`]) return;
    const p = parseCidr(a);
    if (typeof p === 'string') errors[`addresses.${i}`] = p;
    else {
      const key = `${p.addr.toNormalizedString()}/${p.prefix}`;
      if (seen.has(key)) errors[`addresses.${i}`] = 'duplicate address';
      seen.add(key);
      cidrs.push(p);
    }
  });
  const gws = new Set<string>();
  f.gateways.forEach((g, i) => {
    if (g === '_dhcp4' || g === '_ipv6ra') return;
    const ip = parseIp(g.trim());
    if (!ip) return void (errors[`gateways.${i}`] = `${g} is not a valid IP address`);
    const n = ip.toNormalizedString();
    if (gws.has(n)) return void (errors[`gateways.${i}`] = 'duplicate gateway');
    gws.add(n);
    const linkLocal = ip.kind() === 'ipv6' && ip.range() === 'linkLocal';
    const reachable = linkLocal || cidrs.some((c) => c.addr.kind() === ip.kind() && c.prefix > 0 && ip.match(c.addr, c.prefix));
    if (!reachable && f.dhcp === 'no') errors[`gateways.${i}`] = `no address of this link is in the same subnet as ${g}`;
    if (cidrs.some((c) => c.addr.kind() === ip.kind() && c.addr.toNormalizedString() === n)) errors[`gateways.${i}`] = 'the gateway is this link\'s own address';
  });
  const dns = new Set<string>();
  f.dns.forEach((d, i) => {
    const ip = parseIp(d.trim());
    if (!ip) errors[`dns.${i}`] = `${d} is not a valid IP address`;
    else if (dns.has(ip.toNormalizedString())) errors[`dns.${i}`] = 'duplicate DNS server';
    else dns.add(ip.toNormalizedString());
  });
  if (side === 'host' && f.dhcpServer === 'yes' && !cidrs.some((c) => c.family === 4)) {
    errors.dhcpServer = 'a DHCP server needs an IPv4 address on this link';
  }
  return errors;
}

const ipsOf = (f: NetworkForm) => new Set(f.addresses.map((a) => parseCidr(a)).filter((p): p is ParsedCidr => typeof p !== 'string').map((p) => p.addr.toNormalizedString()));

/**
 * Warnings that do not block an apply: a container gateway that was an address of the host side
 * and no longer is (its default route would point at nothing). Keyed like errors.
 */
export function crossSideWarnings(hostBefore: NetworkForm, host: NetworkForm, container: NetworkForm): Record<string, string> {
  const before = ipsOf(hostBefore);
  const now = ipsOf(host);
  const orphaned = container.gateways.filter((g) => {
    const ip = parseIp(g.trim())?.toNormalizedString();
    return ip && before.has(ip) && !now.has(ip);
  });
  if (!orphaned.length) return {};
  return { 'host.addresses': `the container's gateway ${orphaned.join(', ')} is not an address of this side` };
}

/** A Nix string literal: backslashes, quotes and ${ escaped. */
export const nixString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$\{/g, '\\${')}"`;

function nixValue(field: FieldName, v: string[] | string): string {
  if (Array.isArray(v)) return `[ ${v.map(nixString).join(' ')} ]`;
  if (v === 'yes') return 'true';
  if (v === 'no') return 'false';
  return nixString(field === 'dhcp' ? v : v);
}

/** The persistent form of a change, for configuration.nix (nixos-nspawn options). */
export function nixSnippet(machine: string, changes: Partial<Record<Side, Partial<NetworkForm>>>): string {
  const out: string[] = [];
  for (const side of SIDES) {
    const c = changes[side];
    if (!c || !Object.keys(c).length) continue;
    out.push(`virtualisation.nspawn.containers.${nixString(machine)}.network.veth.config.${side}.networkConfig = {`);
    for (const [field, v] of Object.entries(c) as [FieldName, string[] | string][]) {
      out.push(`  ${FIELD_KEYS[field].key} = ${nixValue(field, v)};`);
    }
    out.push('};');
  }
  return out.join('\n');
}
