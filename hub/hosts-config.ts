// Which hosts a hub manages, from the environment: NSD_HOSTS lists them, comma-separated: "local",
// "sandbox:NAME", "sandbox:NAME@USER" (the agent as a desktop user of that sandbox host), and
// "ssh:TARGET" (user@host[:port] or an ssh_config alias). NSD_SANDBOX=NAME is short for
// NSD_HOSTS=sandbox:NAME. Without either, this machine's own agent when it runs machined.
import { AgentLink } from './agent-link.js';
import { hasLocalMachined, localLauncher, sandboxLauncher, type Launcher } from './launchers.js';
import { HostRouter } from './host-router.js';
import { sshLauncher } from './ssh/launcher.js';
import { parseTarget } from './ssh/target.js';

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

export function hostsFromEnv(env: NodeJS.ProcessEnv, agentDir: string): Launcher[] {
  if (env.NSD_HOSTS) return launchersFrom(env.NSD_HOSTS, agentDir);
  if (env.NSD_SANDBOX) return launchersFrom(`sandbox:${env.NSD_SANDBOX}`, agentDir);
  if (!hasLocalMachined()) throw new Error('no systemd-machined on this machine; set NSD_SANDBOX=NAME for a sandbox, or run npm start, which boots one');
  return [localLauncher(agentDir)];
}

export function routerFor(launchers: Launcher[]): HostRouter {
  return HostRouter.of(...launchers.map((l) => new AgentLink(l)));
}
