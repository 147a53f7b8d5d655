// The agent bundle as a remote host gets it: one tar of dist/agent (no source maps), named by the
// hash of its contents, so a host keeps the copy it has until the bundle changes.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const hashes = new Map<string, string>();

function files(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, root));
    else if (!name.endsWith('.map')) out.push(relative(root, p));
  }
  return out;
}

/** 16 hex digits of the bundle's content hash (computed once per directory). */
export function bundleHash(dir: string): string {
  let h = hashes.get(dir);
  if (!h) {
    const sha = createHash('sha256');
    for (const f of files(dir)) sha.update(f).update('\0').update(readFileSync(join(dir, f))).update('\0');
    hashes.set(dir, (h = sha.digest('hex').slice(0, 16)));
  }
  return h;
}

/** tar's arguments that write the bundle to stdout. */
export const tarArgs = (dir: string): string[] => ['-C', dir, '--exclude=*.map', '-cf', '-', '.'];
