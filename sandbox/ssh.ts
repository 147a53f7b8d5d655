// The sandbox host as an SSH server: its own sshd, reached from this machine only inside the
// sandbox's network namespace (ssh's ProxyCommand enters it and connects to its loopback), with a
// key made for it and its host key pinned. `ssh -F CONFIG root@nsd-NAME` (or alice@) then reaches
// it; the hub uses the same file through NSD_SSH_CONFIG.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DESKTOP_USER } from './layout.js';
import { AGENT_ROOT, inHost, type SandboxState } from './sandbox.js';
import { waitFor } from './proc.js';

export interface SandboxSsh {
  /** ssh_config for this sandbox (pass it with -F, or to the hub as NSD_SSH_CONFIG). */
  config: string;
  /** The alias its targets use: root@ALIAS, alice@ALIAS. */
  alias: string;
  knownHosts: string;
  /** The host key the sandbox's sshd offers (the line pinned in knownHosts, without the alias). */
  hostKey: string;
  /** Its SHA256 fingerprint, as ssh shows it. */
  hostKeyFingerprint: string;
  /** An alias whose key has a passphrase (root only): ssh asks for it. */
  passphraseAlias: string;
  passphrase: string;
}

const PASSPHRASE = 'correct horse battery staple';

export async function enableSsh(s: SandboxState, dir: string): Promise<SandboxSsh> {
  if (!existsSync('/usr/bin/nc')) throw new Error('the sandbox SSH option needs nc on this machine (apt-get install netcat-openbsd)');
  const root = `/proc/${s.leaderPid}/root`;
  if (!existsSync(join(root, 'usr/sbin/sshd'))) throw new Error(`sandbox ${s.name} has no sshd (its rootfs predates openssh-server): npm run sandbox:down, then up`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `nspawn-desktop sandbox ${s.name}`, '-f', key]);
  const ppKey = join(dir, 'id_passphrase');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-C', `nspawn-desktop sandbox ${s.name} (passphrase)`, '-f', ppKey]);
  const pub = readFileSync(`${key}.pub`, 'utf8');
  // Authorized for root and the desktop user; node on PATH, as a server with Node installed has it.
  for (const [home, uid] of [['root', 0], [`home/${DESKTOP_USER.name}`, DESKTOP_USER.uid]] as const) {
    const ssh = join(root, home, '.ssh');
    mkdirSync(ssh, { recursive: true, mode: 0o700 });
    writeFileSync(join(ssh, 'authorized_keys'), uid === 0 ? pub + readFileSync(`${ppKey}.pub`, 'utf8') : pub, { mode: 0o600 });
    chownSync(ssh, uid, uid);
    chownSync(join(ssh, 'authorized_keys'), uid, uid);
    chmodSync(ssh, 0o700);
  }
  const node = join(root, 'usr/local/bin/node');
  if (!existsSync(node)) symlinkSync(`${AGENT_ROOT}/bin/node`, node);
  const started = await inHost(s, ['systemctl', 'start', 'ssh.service']);
  if (started.code !== 0) throw new Error(`sshd did not start in sandbox ${s.name}: ${started.stderr.trim()}`);
  const hostKey = await waitFor('the sandbox sshd host key', () => {
    const p = join(root, 'etc/ssh/ssh_host_ed25519_key.pub');
    return existsSync(p) ? readFileSync(p, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ') : undefined;
  }, 10_000, 100);
  const alias = `nsd-${s.name}`;
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${alias} ${hostKey}\n`, { mode: 0o600 });
  const hostKeyFingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(root, 'etc/ssh/ssh_host_ed25519_key.pub')], { encoding: 'utf8' }).split(' ')[1];
  const config = join(dir, 'config');
  const block = (name: string, hostName: string, identity: string) => [
    `Host ${name}`, `  HostName ${hostName}`, `  HostKeyAlias ${alias}`, '  HostKeyAlgorithms ssh-ed25519',
    `  IdentityFile ${identity}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${knownHosts}`, '  GlobalKnownHostsFile /dev/null',
    `  ProxyCommand nsenter --net=/proc/${s.leaderPid}/ns/net nc 127.0.0.1 22`,
  ];
  // The passphrase alias has another HostName: ssh's ControlPath hash (%C) differs, so it never
  // shares the other alias's connection.
  writeFileSync(config, [...block(alias, '127.0.0.1', key), ...block(`${alias}-pp`, 'localhost', ppKey), ''].join('\n'), { mode: 0o600 });
  return { config, alias, knownHosts, hostKey, hostKeyFingerprint, passphraseAlias: `${alias}-pp`, passphrase: PASSPHRASE };
}

/** Pins `keyLine` ("TYPE BASE64") as the sandbox's host key in known_hosts; none: no key known. */
export function pinHostKey(ssh: SandboxSsh, keyLine: string | null): void {
  writeFileSync(ssh.knownHosts, keyLine ? `${ssh.alias} ${keyLine}\n` : '');
}

/** A fresh host key that is not the sandbox's ("TYPE BASE64"), as after a reinstall or an attack. */
export function otherHostKey(dir: string): string {
  const f = join(dir, `other-${Date.now()}`);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', f]);
  return readFileSync(`${f}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

/** Removes node from the sandbox host's PATH (a server without Node), or puts it back. */
export function setRemoteNode(s: SandboxState, present: boolean): void {
  const node = `/proc/${s.leaderPid}/root/usr/local/bin/node`;
  if (present && !existsSync(node)) symlinkSync(`${AGENT_ROOT}/bin/node`, node);
  if (!present) rmSync(node, { force: true });
}
