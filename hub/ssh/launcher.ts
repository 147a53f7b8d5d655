// A host over the system's OpenSSH: the user's config, agent, ProxyJump and known_hosts apply; one
// ControlMaster connection per host carries the checks, the copy and the agent. The agent bundle is
// copied once into the remote user's cache (named by its hash) and run with the remote `node`.
// Remote commands are fixed scripts: only the bundle hash (hex) and checked tokens are passed in.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Explained, Launcher } from '../launchers.js';
import { bundleHash, tarArgs } from './bundle.js';
import { classifySsh, EXIT_NO_BUNDLE, serverKeyIn } from './failure.js';
import { formatTarget, targetArgs, targetId, type SshTarget } from './target.js';
import { askpass } from './askpass.js';
import { log } from '../log.js';

// $1: the bundle hash; $2: where node comes from (`path`, or `nix` when the user allowed Nix to
// provide it on a host without one). The runtime dir is dropped: logind removes it when the SSH
// session ends, and the pty host's socket must outlive a dropped connection (it goes to
// /tmp/nspawn-desktop-UID).
const DIR = 'd="${XDG_CACHE_HOME:-$HOME/.cache}/nspawn-desktop/agent-$1"';
// `nix shell nixpkgs#nodejs` is `nix run nixpkgs#nodejs` that tells where node is: a store path
// that sudo can run too. Nix says why it failed on stderr, which the hub shows.
const NIX_NODE = 'command -v nix >/dev/null 2>&1 || { echo "nspawn-desktop: node-missing-no-nix" >&2; exit 4; }; '
  + 'echo "nspawn-desktop: asking nix for nodejs" >&2; '
  + 'node=$(nix --extra-experimental-features "nix-command flakes" shell nixpkgs#nodejs -c node -e "console.log(process.execPath)") '
  + '&& [ -x "$node" ] || { echo "nspawn-desktop: nix-node-failed" >&2; exit 4; }';
const RUN = `${DIR}; m=$2; shift 2; [ -f "$d/agent.cjs" ] || { echo "nspawn-desktop: bundle-missing" >&2; exit ${EXIT_NO_BUNDLE}; }; `
  + `node=$(command -v node) || if [ "$m" = nix ]; then ${NIX_NODE}; else echo "nspawn-desktop: node-missing" >&2; exit 4; fi; unset XDG_RUNTIME_DIR; `;
const RUN_AS_USER = `${RUN}exec "$node" "$d/agent.cjs" "$@"`;
const RUN_AS_ROOT = `${RUN}exec sudo -n -- "$node" "$d/agent.cjs" "$@"`;
const HAS_BUNDLE = `${DIR}; [ -f "$d/agent.cjs" ]`;
const INSTALL = `${DIR}; t="$d.tmp.$$"; rm -rf "$t" && mkdir -p "$t" && tar -xf - -C "$t" && chmod -R go-w "$t" && rm -rf "$d" && mv "$t" "$d"`;

/** A remote command: `sh -c 'SCRIPT' nsd ARGS…` (the scripts hold no single quote; ARGS are checked tokens). */
const remote = (script: string, args: string[]) => `sh -c '${script}' nsd ${args.join(' ')}`;

/** Where this user's ssh control sockets live (0700, like the pty host's). */
function controlDir(): string {
  const uid = process.getuid?.() ?? 0;
  const dir = join(process.env.XDG_RUNTIME_DIR ?? `/tmp/nspawn-desktop-${uid}`, 'nspawn-desktop');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (st.uid !== uid || (st.mode & 0o077) !== 0) throw new Error(`${dir} must be a directory of uid ${uid} with mode 0700`);
  return dir;
}

/**
 * ssh's options for every run: strict host keys, one shared connection; questions (passwords,
 * passphrases) go to the windows through SSH_ASKPASS (askpassEnv), never to a terminal.
 */
export function sshOptions(): string[] {
  return [
    ...(process.env.NSD_SSH_CONFIG ? ['-F', process.env.NSD_SSH_CONFIG] : []),
    '-T', '-e', 'none', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=10',
    '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3',
    '-o', 'ControlMaster=auto', '-o', `ControlPath=${join(controlDir(), 'ssh-%C')}`, '-o', 'ControlPersist=60',
  ];
}

interface Ran { code: number | null; stderr: string; stdout: string }

/** What an ssh run for host `id` needs in its environment so its questions reach the windows. */
export const askpassEnv = (id: string) => askpass.env(id, controlDir());

function ssh(args: string[], stdinFrom?: string[], env?: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const p = spawn('ssh', args, { stdio: [stdinFrom ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
    p.on('error', (e) => reject(new Error(`cannot run ssh: ${e.message}`)));
    p.on('close', (code) => resolve({ code, stderr, stdout }));
    if (stdinFrom) {
      const tar = spawn('tar', stdinFrom, { stdio: ['ignore', 'pipe', 'inherit'] });
      tar.on('error', (e) => reject(new Error(`cannot run tar: ${e.message}`)));
      tar.stdout.pipe(p.stdin!);
    }
  });
}

/** The fingerprint the host offers, learnt without authenticating (for a refused, unknown key). */
async function offeredKey(t: SshTarget): Promise<string | undefined> {
  const r = await ssh([
    ...(process.env.NSD_SSH_CONFIG ? ['-F', process.env.NSD_SSH_CONFIG] : []),
    '-v', '-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'PreferredAuthentications=none', '-o', 'ControlMaster=no', '-o', 'ControlPath=none',
    '-o', 'ConnectTimeout=10', ...targetArgs(t), 'true',
  ]);
  const k = serverKeyIn(r.stderr);
  return k && `${k.type} ${k.fingerprint}`;
}

/** Why ssh failed, in words (for an unknown host key with the key it offers); `lasting` unless the network. */
export async function explainSsh(t: SshTarget, code: number | null, stderr: string): Promise<Explained | undefined> {
  const f = classifySsh(formatTarget(t), code, stderr);
  if (!f) return undefined;
  const lasting = f.problem !== 'unreachable';
  const problem = f.problem;
  if (f.problem === 'host_key_unknown') {
    const key = await offeredKey(t).catch((e: Error) => {
      log(`ssh: could not learn the key ${formatTarget(t)} offers: ${e.message}`);
      return undefined;
    });
    return { lasting, problem, message: `${f.message}${key ? `: it offers ${key}` : ''}; if that is the host's key, connect once with ssh in a terminal to accept it` };
  }
  return { lasting, problem, message: f.message };
}

/** An Error that says why, and whether waiting will fix it. */
function failure(e: Explained | undefined, fallback: string): Error {
  return Object.assign(new Error(e?.message ?? fallback), { lasting: e?.lasting ?? false, explained: !!e, problem: e?.problem });
}

/** The agent's bundle is on the host (copied now if it was not). */
async function ensureBundle(t: SshTarget, agentDir: string): Promise<void> {
  if (!existsSync(join(agentDir, 'agent.cjs'))) throw new Error(`no agent bundle at ${agentDir}; run: npm run build`);
  const hash = bundleHash(agentDir);
  const env = askpassEnv(targetId(t));
  const has = await ssh([...sshOptions(), ...targetArgs(t), remote(HAS_BUNDLE, [hash])], undefined, env);
  if (has.code === 0) return;
  if (has.code === 1) {
    const put = await ssh([...sshOptions(), ...targetArgs(t), remote(INSTALL, [hash])], tarArgs(agentDir), env);
    if (put.code === 0) return;
    throw failure(await explainSsh(t, put.code, put.stderr), `copying the agent to ${formatTarget(t)} failed (exit ${put.code}): ${put.stderr.trim().split('\n').pop() ?? ''}`);
  }
  throw failure(await explainSsh(t, has.code, has.stderr), `ssh ${formatTarget(t)} failed (exit ${has.code}): ${has.stderr.trim().split('\n').pop() ?? ''}`);
}

export interface SshHostOptions {
  /** On a host without node, Nix may provide it (nixpkgs#nodejs): the user allowed it for this host. */
  nixNode?: boolean;
}

export function sshLauncher(t: SshTarget, agentDir: string, opts: SshHostOptions = {}): Launcher {
  const label = formatTarget(t);
  // The label and kind reach the remote agent as arguments: hex-encoded, so no shell reads them.
  const hostArgs = (ptySocket?: string) => ['--label-hex', Buffer.from(label).toString('hex'), '--kind', 'ssh',
    ...(ptySocket && /^[A-Za-z0-9/._-]+$/.test(ptySocket) ? ['--pty-socket', ptySocket] : [])];
  const make = (asRoot: boolean, ptySocket?: string): Launcher => ({
    id: targetId(t), label, kind: 'ssh', nixNode: opts.nixNode === true,
    prepare: () => ensureBundle(t, agentDir),
    argv: () => ['ssh', ...sshOptions(), ...targetArgs(t), remote(asRoot ? RUN_AS_ROOT : RUN_AS_USER, [bundleHash(agentDir), opts.nixNode ? 'nix' : 'path', ...hostArgs(ptySocket)])],
    env: () => askpassEnv(targetId(t)),
    explain: (code, stderr) => explainSsh(t, code, stderr),
  });
  const launcher = make(false);
  if (t.user !== 'root') launcher.admin = (ptySocket) => ({ ...make(true, ptySocket), admin: undefined });
  return launcher;
}
