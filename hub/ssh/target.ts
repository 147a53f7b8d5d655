// An SSH host as people name it: `user@host[:port]`, `host`, or an alias of ~/.ssh/config. Checked
// strictly, because it becomes an argument of ssh: it can never start with `-` (an option) or hold
// anything a shell or ssh_config token would read.
export interface SshTarget {
  user?: string;
  /** A host name, an alias, an IPv4 address or an IPv6 address (without brackets). */
  host: string;
  port?: number;
}

const USER = /^[a-z_][a-z0-9_.-]{0,31}$/i;
const NAME = /^[a-z0-9](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9](?:[a-z0-9_-]{0,62}))*$/i;
const IPV6 = /^[0-9a-f:.]{2,45}$/i;

/** The target, or why it is not one. */
export function parseTarget(text: string): SshTarget | { error: string } {
  const s = text.trim();
  if (!s) return { error: 'name a host: user@host, host:port or an alias from ~/.ssh/config' };
  if (s.length > 255) return { error: 'that is too long for a host' };
  const at = s.lastIndexOf('@');
  const user = at >= 0 ? s.slice(0, at) : undefined;
  let rest = at >= 0 ? s.slice(at + 1) : s;
  if (user !== undefined && !USER.test(user)) return { error: `"${user}" is not a user name` };
  let port: number | undefined;
  let host: string;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1];
    if (!IPV6.test(host) || !host.includes(':')) return { error: `"${host}" is not an IPv6 address` };
    if (v6[2]) rest = `x:${v6[2]}`;
    else rest = 'x';
  } else {
    host = rest.split(':')[0];
    if (!NAME.test(host)) return { error: `"${host}" is not a host name` };
  }
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const p = rest.slice(colon + 1);
    if (!/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535) return { error: `"${p}" is not a port (1–65535)` };
    port = Number(p);
  }
  return { user, host, port };
}

/** How the target is shown and saved: `user@host:port`, IPv6 in brackets. */
export function formatTarget(t: SshTarget): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${t.user ? `${t.user}@` : ''}${host}${t.port ? `:${t.port}` : ''}`;
}

/** The hub's id for it (shared/contract HostId): `ssh-` and the target, lower case, safe characters. */
export function targetId(t: SshTarget): string {
  return `ssh-${formatTarget(t).toLowerCase().replace(/[^a-z0-9.-]+/g, '-')}`.slice(0, 63).replace(/[.-]+$/, '');
}

/** ssh's arguments that name the target: never an option, whatever it holds. */
export function targetArgs(t: SshTarget): string[] {
  return [...(t.port ? ['-p', String(t.port)] : []), ...(t.user ? ['-l', t.user] : []), '--', t.host];
}
