// The SSH hosts a user added, kept in their config dir (never with secrets: targets only, as
// they typed them). Read through a schema: the file is input. Written whole, atomically, 0600.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { log } from '../log.js';

// An entry is a target, or a target with its options (older files hold targets only).
const SavedEntry = z.union([
  z.string().max(300),
  z.object({ target: z.string().max(300), nixNode: z.boolean().optional() }).strict(),
]);
const SavedHosts = z.object({ ssh: z.array(SavedEntry).max(200) });

export interface SavedHost {
  target: string;
  /** Nix may provide node on this host (hub/ssh/launcher.ts). */
  nixNode?: boolean;
}

/** NSD_CONFIG_DIR, else $XDG_CONFIG_HOME/nspawn-desktop, else ~/.config/nspawn-desktop. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NSD_CONFIG_DIR ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'nspawn-desktop');
}

const file = (dir: string) => join(dir, 'hosts.json');

/** The saved SSH targets; none when there is no file, or it cannot be read (said in the log). */
export function loadSshHosts(dir = configDir()): SavedHost[] {
  let text: string;
  try {
    text = readFileSync(file(dir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log(`saved hosts: cannot read ${file(dir)} (${(e as Error).message}); starting without them`);
    return [];
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    log(`saved hosts: ${file(dir)} is not JSON (${(e as Error).message}); starting without it`);
    return [];
  }
  const parsed = SavedHosts.safeParse(json);
  if (!parsed.success) {
    log(`saved hosts: ${file(dir)} is not a host list (${parsed.error.issues[0]?.message}); starting without it`);
    return [];
  }
  return parsed.data.ssh.map((e) => (typeof e === 'string' ? { target: e } : e));
}

export function saveSshHosts(hosts: SavedHost[], dir = configDir()): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file(dir)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ssh: hosts.map((h) => (h.nixNode ? { target: h.target, nixNode: true } : h.target)) }, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file(dir));
}
