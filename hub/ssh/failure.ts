// What a failed ssh run means, in words a person can act on. ssh says it on stderr; the agent's
// remote script (hub/ssh/launcher.ts) adds its own `nspawn-desktop: …` lines and exit codes.
import type { HostProblem } from '../../shared/contract.js';

export type SshProblem = HostProblem;

export interface SshFailure {
  problem?: SshProblem;
  message: string;
}

/** Exit codes of the remote script. */
export const EXIT_NO_BUNDLE = 3;
export const EXIT_NO_NODE = 4;

const fingerprintIn = (s: string) => /SHA256:[A-Za-z0-9+/=]{20,}/.exec(s)?.[0];

export function classifySsh(target: string, code: number | null, stderr: string): SshFailure | undefined {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr)) {
    const fp = fingerprintIn(stderr);
    return { problem: 'host_key_changed', message: `refused: the host key of ${target} changed${fp ? ` (it now offers ${fp})` : ''}, which may be an attack; if the change is expected, remove the old key with ssh-keygen -R and connect again` };
  }
  if (/host key is known for|Host key verification failed/.test(stderr)) {
    return { problem: 'host_key_unknown', message: `refused: the host key of ${target} is not known yet` };
  }
  if (/Permission denied \(/.test(stderr) || /Too many authentication failures/.test(stderr)) {
    return { problem: 'auth_failed', message: `${target} refused the login (${/Permission denied \([^)]*\)/.exec(stderr)?.[0] ?? 'authentication failed'}); add your key with ssh-copy-id, or load it into ssh-agent` };
  }
  if (/nspawn-desktop: nix-node-failed/.test(stderr)) {
    // Nix's own last error line says why (no network, no flakes, a broken channel…).
    const why = stderr.split('\n').filter((l) => /^error:/.test(l.trim())).pop()?.trim().replace(/^error:\s*/, '');
    return { problem: 'node_missing', message: `${target} has no node on its PATH, and nix could not provide nixpkgs#nodejs${why ? `: ${why}` : ''}` };
  }
  if (/nspawn-desktop: node-missing-no-nix/.test(stderr)) {
    return { problem: 'node_missing', message: `${target} has neither node nor nix on its PATH: install Node.js 20 or newer there` };
  }
  if (code === EXIT_NO_NODE || /nspawn-desktop: node-missing/.test(stderr)) {
    return { problem: 'node_missing', message: `${target} has no node on its PATH: install Node.js 20 or newer there (on NixOS: add nodejs to environment.systemPackages), or add the host again allowing Nix to provide it` };
  }
  if (/sudo: (a password is required|.*not in the sudoers|a terminal is required)/.test(stderr)) {
    return { problem: 'sudo_refused', message: `administrative access on ${target} needs sudo without a password for this user (sudo -n refused: ${/sudo: [^\n]*/.exec(stderr)![0]})` };
  }
  const net = /(Could not resolve hostname[^\n]*|Connection refused|Connection timed out|No route to host|Network is unreachable|Connection closed by [^\n]*|Connection reset[^\n]*|Broken pipe|Timeout, server [^\n]* not responding)/.exec(stderr);
  if (code === 255 && net) return { problem: 'unreachable', message: `cannot reach ${target}: ${net[1].trim()}` };
  return undefined;
}

/** The server's host key fingerprint from `ssh -v` output ("debug1: Server host key: TYPE SHA256:…"). */
export function serverKeyIn(verbose: string): { type: string; fingerprint: string } | undefined {
  const m = /Server host key: (\S+) (SHA256:[A-Za-z0-9+/=]+)/.exec(verbose);
  return m ? { type: m[1], fingerprint: m[2] } : undefined;
}
