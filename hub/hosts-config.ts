// Which hosts a hub manages, from the environment: NSD_HOSTS lists them, comma-separated: "local",
// "sandbox:NAME", "sandbox:NAME@USER" (the agent as a desktop user of that sandbox host), and
// "ssh:TARGET" (user@host[:port] or an ssh_config alias). NSD_SANDBOX=NAME is short for
// NSD_HOSTS=sandbox:NAME. Without either, this machine's own agent when it runs machined.
import { AgentLink } from './agent-link.js';
import { hasLocalMachined, localLauncher, sandboxLauncher, type Launcher } from './launchers.js';
import { HostRouter } from './host-router.js';
import { sshLauncher, type SshHostOptions } from './ssh/launcher.js';
import { formatTarget, parseTarget } from './ssh/target.js';
import { configDir, loadSshHosts, saveSshHosts, type SavedHost } from './ssh/saved-hosts.js';
import { RpcError } from '../shared/errors.js';
import { log } from './log.js';

const SANDBOX = /^sandbox:([a-z0-9][a-z0-9-]{0,30})(?:@([a-z_][a-z0-9_-]{0,31}))?$/;

/** Launchers for a host list; throws with the offending entry when one is not understood. */
export function launchersFrom(spec: string, agentDir: string): Launcher[] {
  const out: Launcher[] = [];
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (raw === 'local') out.push(localLauncher(agentDir));
    else if (SANDBOX.test(raw)) {
      const [, name, user] = SANDBOX.exec(raw)!;
      out.push(sandboxLauncher(name, user));
    } else if (raw.startsWith('ssh:')) {
      const t = parseTarget(raw.slice(4));
      if ('error' in t) throw new Error(`NSD_HOSTS: "${raw.slice(0, 60)}": ${t.error}`);
      out.push(sshLauncher(t, agentDir));
    } else throw new Error(`NSD_HOSTS: "${raw.slice(0, 60)}" is none of "local", "sandbox:NAME[@USER]" (NAME: a-z, 0-9, -), "ssh:[USER@]HOST[:PORT]"`);
  }
  const ids = out.map((l) => l.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new Error(`NSD_HOSTS names ${dup} twice`);
  return out;
}

export function hostsFromEnv(env: NodeJS.ProcessEnv, agentDir: string, others = 0): Launcher[] {
  if (env.NSD_HOSTS) return launchersFrom(env.NSD_HOSTS, agentDir);
  if (env.NSD_SANDBOX) return launchersFrom(`sandbox:${env.NSD_SANDBOX}`, agentDir);
  if (hasLocalMachined()) return [localLauncher(agentDir)];
  // A desktop that manages only servers over SSH needs no machined of its own.
  if (others > 0) return [];
  throw new Error('no systemd-machined on this machine; set NSD_SANDBOX=NAME for a sandbox, add an SSH host (--host USER@HOST), or run npm start, which boots a sandbox');
}

export function routerFor(launchers: Launcher[]): HostRouter {
  return HostRouter.of(...launchers.map((l) => new AgentLink(l)));
}

/** An SSH target as the app's "Add host" gets it: checked, or refused with the reason. */
function sshLauncherFor(target: string, agentDir: string, opts: SshHostOptions = {}): Launcher {
  const t = parseTarget(target);
  if ('error' in t) throw new RpcError('invalid_request', t.error);
  return sshLauncher(t, agentDir, opts);
}

/**
 * The hub's router: the hosts of the environment, then the saved SSH hosts and those named with
 * --host (saved too), and the means to add more in the app.
 */
export function routerFromEnv(env: NodeJS.ProcessEnv, agentDir: string, cliTargets: string[] = []): HostRouter {
  const dir = configDir(env);
  const saved = loadSshHosts(dir);
  const fromCli = cliTargets.map((t) => {
    const parsed = parseTarget(t);
    if ('error' in parsed) throw new Error(`--host ${t.slice(0, 60)}: ${parsed.error}`);
    return formatTarget(parsed);
  });
  const hosts: SavedHost[] = [...saved, ...fromCli.filter((t) => !saved.some((s) => s.target === t)).map((target) => ({ target }))];
  const added = hosts.flatMap((h) => {
    try {
      return [sshLauncherFor(h.target, agentDir, { nixNode: h.nixNode })];
    } catch (e) {
      log(`saved hosts: skipping "${h.target.slice(0, 60)}": ${(e as Error).message}`);
      return [];
    }
  });
  const base = hostsFromEnv(env, agentDir, added.length);
  const launchers = [...base, ...added.filter((a) => !base.some((b) => b.id === a.id))];
  const router = routerFor(launchers);
  router.allowAdding({ launcherFor: (t, opts) => sshLauncherFor(t, agentDir, opts), save: (hs) => saveSshHosts(hs, dir) }, added.map((a) => a.id));
  if (hosts.length > saved.length) saveSshHosts(hosts, dir);
  return router;
}

/** The `--host X` / `--host=X` arguments of a command line (the Electron app's, among Chromium's). */
export function cliHostTargets(argv: string[]): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === '--host' && argv[i + 1] !== undefined) out.push(argv[i + 1]);
    else if (a.startsWith('--host=')) out.push(a.slice(7));
  });
  return out;
}
