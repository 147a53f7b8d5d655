// Each sandbox host in a cgroup of its own. On a machine without systemd, systemd-nspawn splits the
// cgroup it starts in into /supervisor and /payload: every sandbox started from the root shared
// /payload, so two hosts' `web` guests shared /payload/machine.slice/systemd-nspawn@web.service,
// and one host's systemd killed or waited on the other's processes. Started in
// /nsd-sandbox/NAME instead, each host gets /nsd-sandbox/NAME/payload.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log } from './proc.js';

/** The cgroup hierarchies nspawn reads its place from: hybrid (name=systemd + unified) or unified only. */
const HIERARCHIES = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified', '/sys/fs/cgroup'];
const PARENT = 'nsd-sandbox';

const hierarchies = () => HIERARCHIES.filter((h) => existsSync(join(h, 'cgroup.procs')));

/** The sandbox's cgroup directories, made if missing (one per hierarchy). */
export function sandboxCgroups(name: string): string[] {
  return hierarchies().map((h) => {
    const dir = join(h, PARENT, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  });
}

/**
 * argv that moves itself into `dirs` and then runs `argv`: the move happens before nspawn starts,
 * so nothing of it ever runs in the shared cgroup. The script is fixed; paths and argv are arguments.
 */
export function inCgroups(dirs: string[], argv: string[]): string[] {
  const script = 'while [ "$1" != -- ]; do echo $$ > "$1/cgroup.procs" || exit 1; shift; done; shift; exec "$@"';
  return ['sh', '-c', script, 'sh', ...dirs, '--', ...argv];
}

/** The cgroup (in the first hierarchy) a process is in, as /proc/PID/cgroup says. */
export function cgroupOf(pid: number): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  const pick = lines.find((l) => l.includes(':name=systemd:')) ?? lines.find((l) => l.startsWith('0::')) ?? lines[0];
  return pick.slice(pick.indexOf(':', pick.indexOf(':') + 1) + 1);
}

/** The sandbox's cgroup directories that exist. */
export function leftoverCgroups(name: string): string[] {
  return hierarchies().map((h) => join(h, PARENT, name)).filter((d) => existsSync(d));
}

/** Removes the sandbox's cgroups once their processes are gone (deepest first); true if none is left. */
export function removeSandboxCgroups(name: string): boolean {
  let clean = true;
  const remove = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) remove(join(dir, e.name));
    try {
      rmdirSync(dir);
    } catch (e) {
      clean = false;
      log(`cgroup ${dir} not removed: ${(e as Error).message}`);
    }
  };
  for (const h of hierarchies()) {
    const dir = join(h, PARENT, name);
    if (existsSync(dir)) remove(dir);
  }
  return clean;
}

/** More sandboxes than a few exhaust the default 128 inotify instances per user (each host's
 * systemd, journald, networkd and guests hold some): raise the limit if it is lower. */
export function ensureInotifyInstances(min = 1024): void {
  const f = '/proc/sys/fs/inotify/max_user_instances';
  try {
    const now = Number(readFileSync(f, 'utf8').trim());
    if (now < min) {
      writeFileSync(f, String(min));
      log(`raised fs.inotify.max_user_instances from ${now} to ${min}`);
    }
  } catch (e) {
    log(`fs.inotify.max_user_instances not raised: ${(e as Error).message}`);
  }
}
