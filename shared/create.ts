// A new container: where its tree comes from, its network, binds and autostart; what the agent
// writes for it; and the same as nixos-nspawn options for NixOS hosts, where /etc is read-only.
import { z } from 'zod';
import { BindSourcePath, ContainerPath, HostPath, ImageName, PullUrl } from './images.js';
import { nixString as nix, parseCidr } from './network.js';

export const CreateSource = z.discriminatedUnion('type', [
  z.object({ type: z.literal('clone'), image: ImageName }).strict(),
  // nixos-nspawn style: an almost empty tree booting the host's /usr read-only, always ephemeral.
  z.object({ type: z.literal('scratch') }).strict(),
  z.object({ type: z.literal('pull'), url: PullUrl, format: z.enum(['tar', 'raw']), verify: z.enum(['no', 'checksum', 'signature']) }).strict(),
  z.object({ type: z.literal('import'), path: HostPath, format: z.enum(['tar', 'raw', 'directory']) }).strict(),
]);
export type CreateSource = z.infer<typeof CreateSource>;

const Cidr = z.string().max(64).superRefine((s, ctx) => {
  const p = parseCidr(s);
  if (typeof p === 'string') ctx.addIssue({ code: 'custom', message: p });
});

export const CreateNetwork = z.discriminatedUnion('mode', [
  // A veth pair with networkd's defaults: nspawn's own 80-container-* files (DHCP from the host).
  z.object({ mode: z.literal('dhcp') }).strict(),
  z.object({ mode: z.literal('static'), hostAddress: Cidr, containerAddress: Cidr }).strict(),
  // No network of its own: the host's interfaces.
  z.object({ mode: z.literal('host') }).strict(),
]);
export type CreateNetwork = z.infer<typeof CreateNetwork>;

export const BindMount = z.object({ source: BindSourcePath, target: ContainerPath, readOnly: z.boolean() }).strict();
export type BindMount = z.infer<typeof BindMount>;

export const CreateRequest = z.object({
  kind: z.literal('machine.create'),
  name: ImageName,
  source: CreateSource,
  network: CreateNetwork,
  binds: z.array(BindMount).max(16),
  /** Each boot starts from a fresh copy of the image, dropped at stop. */
  ephemeral: z.boolean(),
  autostart: z.boolean(),
  start: z.boolean(),
  /** Under /run (gone at reboot) instead of /etc: NixOS hosts, where /etc is the Nix store's. */
  runtime: z.boolean(),
}).strict().superRefine((r, ctx) => {
  if (r.network.mode === 'static') {
    const h = parseCidr(r.network.hostAddress);
    const c = parseCidr(r.network.containerAddress);
    if (typeof h !== 'string' && typeof c !== 'string') {
      if (h.family !== c.family) ctx.addIssue({ code: 'custom', path: ['network', 'containerAddress'], message: 'use the same IP version on both ends' });
      else if (h.addr.toNormalizedString() === c.addr.toNormalizedString()) ctx.addIssue({ code: 'custom', path: ['network', 'containerAddress'], message: 'the two ends need different addresses' });
      else if (!c.addr.match(h.addr, h.prefix)) ctx.addIssue({ code: 'custom', path: ['network', 'containerAddress'], message: `not in the host end's subnet (${r.network.hostAddress})` });
    }
  }
  const targets = new Set<string>();
  r.binds.forEach((b, i) => {
    if (targets.has(b.target)) ctx.addIssue({ code: 'custom', path: ['binds', i, 'target'], message: 'bound twice' });
    targets.add(b.target);
  });
  if (r.source.type === 'scratch' && r.binds.some((b) => b.target === '/usr' || b.target.startsWith('/usr/'))) {
    ctx.addIssue({ code: 'custom', path: ['binds'], message: '/usr comes from the host in a container from scratch' });
  }
});
export type CreateRequest = z.infer<typeof CreateRequest>;

/** The .nspawn settings of a new container. */
export function nspawnText(r: CreateRequest): string {
  const lines = ['[Exec]', 'Boot=yes'];
  if (r.ephemeral || r.source.type === 'scratch') lines.push('Ephemeral=yes');
  const files = [
    ...(r.source.type === 'scratch' ? ['BindReadOnly=/usr'] : []),
    ...r.binds.map((b) => `${b.readOnly ? 'BindReadOnly' : 'Bind'}=${b.source}:${b.target}`),
  ];
  if (files.length) lines.push('', '[Files]', ...files);
  lines.push('', '[Network]', r.network.mode === 'host' ? 'VirtualEthernet=no' : 'VirtualEthernet=yes');
  return `${lines.join('\n')}\n`;
}

/** Both ends' .network files for static addresses (DHCP and the host's network need none). */
export function networkTexts(r: CreateRequest): { host: string; container: string } | undefined {
  if (r.network.mode !== 'static') return undefined;
  const file = (name: string, address: string) => `[Match]\nKind=veth\nName=${name}\n\n[Network]\nAddress=${address}\nLinkLocalAddressing=no\n`;
  return { host: file(`ve-${r.name}`, r.network.hostAddress), container: file('host0', r.network.containerAddress) };
}

/** The same container for a NixOS host's configuration.nix (nixos-nspawn's options). */
export function createNixSnippet(r: CreateRequest): string {
  const c = `virtualisation.nspawn.containers.${nix(r.name)}`;
  const out = [`${c} = {`, '  config = { pkgs, ... }: {', '    # the container\'s NixOS configuration', '  };'];
  if (r.network.mode === 'host') out.push('  network.veth.enable = false;');
  if (r.network.mode === 'static') {
    out.push(`  network.veth.config.host.networkConfig.Address = [ ${nix(r.network.hostAddress)} ];`);
    out.push(`  network.veth.config.container.networkConfig.Address = [ ${nix(r.network.containerAddress)} ];`);
  }
  out.push('};');
  const rw = r.binds.filter((b) => !b.readOnly).map((b) => nix(`${b.source}:${b.target}`));
  const ro = r.binds.filter((b) => b.readOnly).map((b) => nix(`${b.source}:${b.target}`));
  if (rw.length) out.push(`systemd.nspawn.${nix(r.name)}.filesConfig.Bind = [ ${rw.join(' ')} ];`);
  if (ro.length) out.push(`systemd.nspawn.${nix(r.name)}.filesConfig.BindReadOnly = [ ${ro.join(' ')} ];`);
  out.push('# nixos-nspawn starts each declared container with machines.target (autostart).');
  return out.join('\n');
}
