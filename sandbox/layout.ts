// Lays guests out inside the host tree the way the nixos-nspawn module does:
// /etc/systemd/nspawn/NAME.nspawn, host-side 10-ve-NAME.network, guest-side
// 10-container-host0.network, autostart through machines.target.
import { appendFileSync, chmodSync, chownSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, rmSync, lstatSync } from 'node:fs';
import { join } from 'node:path';

export interface GuestSpec {
  name: string;
  autostart: boolean;
  network: 'dhcp' | 'static';
}

export const DEFAULT_GUESTS: GuestSpec[] = [
  { name: 'web', autostart: true, network: 'dhcp' },
  { name: 'db', autostart: true, network: 'static' },
  { name: 'build', autostart: false, network: 'dhcp' },
];

export interface NixosLayoutOptions {
  /** Put the generated files in a read-only "store" and symlink them from /etc, as NixOS does. */
  nixos: boolean;
}

export function nspawnFile(): string {
  // Boot=true and a bind-mounted /usr stand in for nixos-nspawn's Parameters=<system>/init and
  // BindReadOnly=/nix/store: the guest directory itself stays nearly empty, as on NixOS.
  return `[Exec]
Boot=true
PrivateUsers=no
LinkJournal=try-host
Timezone=off
KillSignal=SIGRTMIN+3

[Files]
BindReadOnly=/usr

[Network]
Private=true
VirtualEthernet=true
`;
}

export function hostNetworkFile(g: GuestSpec): string {
  const head = `# Host side of the veth of container ${g.name} (generated like nixos-nspawn)
[Match]
Kind=veth
Name=ve-${g.name}

[Network]
`;
  if (g.network === 'static') {
    return `${head}# static addressing, as in the nixos-nspawn README example
Address=fc42::1/64
Address=192.168.42.1/24
DHCPServer=false
IPMasquerade=both
LinkLocalAddressing=true
LLDP=true
EmitLLDP=customer-bridge
IPv6SendRA=true
MulticastDNS=true

[DHCPServer]
PersistLeases=false
`;
  }
  return `${head}Address=0.0.0.0/30
Address=::/64
DHCPServer=true
IPMasquerade=both
LinkLocalAddressing=true
LLDP=true
EmitLLDP=customer-bridge
IPv6SendRA=true
MulticastDNS=true

[DHCPServer]
PersistLeases=false
`;
}

export function containerNetworkFile(g: GuestSpec): string {
  const head = `# Container side of the veth (generated like nixos-nspawn)
[Match]
Kind=veth
Name=host0
Virtualization=container

[Network]
`;
  if (g.network === 'static') {
    return `${head}DHCP=false
LinkLocalAddressing=true
LLDP=true
EmitLLDP=customer-bridge
MulticastDNS=true
# static addressing, as in the nixos-nspawn README example
Address=fc42::2/64
Address=192.168.42.2/24
Gateway=fc42::1
Gateway=192.168.42.1
`;
  }
  return `${head}DHCP=true
LinkLocalAddressing=true
LLDP=true
EmitLLDP=customer-bridge
MulticastDNS=true
`;
}

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

/** Writes a host-side config file, as a plain file or (NixOS layout) a symlink into a read-only store. */
function writeConfig(root: string, etcPath: string, text: string, opts: NixosLayoutOptions): void {
  const target = join(root, etcPath);
  rmSync(target, { force: true });
  if (!opts.nixos) return write(target, text);
  const storeRel = `nix/store/nsd-${etcPath.split('/').pop()}`;
  write(join(root, storeRel), text);
  mkdirSync(join(target, '..'), { recursive: true });
  symlinkSync(`/${storeRel}`, target);
}

/** Creates guest NAME in the host tree `root`, using `pristine` (the cached rootfs) for /etc and /var. */
export function createGuest(root: string, pristine: string, g: GuestSpec, opts: NixosLayoutOptions): void {
  const dir = join(root, 'var/lib/machines', g.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const d of ['usr', 'proc', 'sys', 'dev', 'run', 'tmp', 'root', 'home', 'srv', 'opt', 'mnt', 'media']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  for (const link of readdirSync(pristine)) {
    const st = lstatSync(join(pristine, link));
    if (st.isSymbolicLink() && ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'].includes(link)) {
      symlinkSync(`usr/${link}`, join(dir, link));
    }
  }
  cpSync(join(pristine, 'etc'), join(dir, 'etc'), { recursive: true, verbatimSymlinks: true });
  cpSync(join(pristine, 'var'), join(dir, 'var'), {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => !src.endsWith('/var/lib/machines') && !src.includes('/var/cache/apt/'),
  });
  writeFileSync(join(dir, 'etc/hostname'), `${g.name}\n`);
  write(join(dir, 'etc/systemd/network/10-container-host0.network'), containerNetworkFile(g));

  writeConfig(root, `etc/systemd/nspawn/${g.name}.nspawn`, nspawnFile(), opts);
  writeConfig(root, `etc/systemd/network/10-ve-${g.name}.network`, hostNetworkFile(g), opts);
  const wants = join(root, 'etc/systemd/system/machines.target.wants');
  mkdirSync(wants, { recursive: true });
  const link = join(wants, `systemd-nspawn@${g.name}.service`);
  rmSync(link, { force: true });
  if (g.autostart) symlinkSync('/lib/systemd/system/systemd-nspawn@.service', link);
}

/**
 * A drop-in for every guest unit. nspawn picks the guest's cgroup mode by looking for
 * libsystemd-shared in the guest directory, which (like a NixOS guest's) is nearly empty, so it
 * falls back to legacy cgroup v1, where the guest's systemd is not told when a session's cgroup
 * empties: `container-shell@N` sat in stop-sigkill for 90 s and held up the guest's shutdown.
 * NixOS container units set the same variable for the same reason.
 */
export function nspawnServiceDropIn(): string {
  return `[Service]
Environment=SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
`;
}

export function writeHostUnits(root: string): void {
  write(join(root, 'etc/systemd/system/systemd-nspawn@.service.d/50-unified-cgroup.conf'), nspawnServiceDropIn());
}

/** The desktop user of a sandbox host: uid 1000, no password (tests become her with setpriv). */
export const DESKTOP_USER = { name: 'alice', uid: 1000 };

/**
 * A host as a desktop has it: a non-root user, our polkit action, and the admin agent pkexec runs
 * (here node and the bundle are the ones bound under /opt/nspawn-desktop).
 */
export function writeDesktopUser(root: string, policy: string): void {
  const { name, uid } = DESKTOP_USER;
  const passwd = join(root, 'etc/passwd');
  if (!readFileSync(passwd, 'utf8').includes(`\n${name}:`)) {
    appendFileSync(passwd, `${name}:x:${uid}:${uid}:Desktop user:/home/${name}:/bin/bash\n`);
    appendFileSync(join(root, 'etc/group'), `${name}:x:${uid}:\n`);
    appendFileSync(join(root, 'etc/shadow'), `${name}:!:19000:0:99999:7:::\n`);
  }
  mkdirSync(join(root, 'home', name), { recursive: true, mode: 0o700 });
  chownSync(join(root, 'home', name), uid, uid);
  write(join(root, 'usr/share/polkit-1/actions/org.nspawn-desktop.policy'), policy);
  const agent = join(root, 'usr/libexec/nspawn-desktop/admin-agent');
  write(agent, '#!/bin/sh\nexec /opt/nspawn-desktop/bin/node /opt/nspawn-desktop/agent/agent.cjs "$@"\n');
  chmodSync(agent, 0o755);
}

export function markNixos(root: string, on: boolean): void {
  const p = join(root, 'etc/NIXOS');
  if (on) writeFileSync(p, '');
  else if (existsSync(p)) rmSync(p);
}
