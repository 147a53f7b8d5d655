// The host's files that belong to one image's machine, removed with it: its .nspawn settings and
// the .network files written for its veth's host end alone ([Match] Name=ve-NAME exactly, in
// /etc or /run; a glob such as nspawn's own 80-container-ve.network serves every machine and
// stays). Read through the host's rooted tree: regular files only, size-capped.
import { withHostTree } from '../files/rooted-tree.js';
import { removeFile } from '../files/atomic-write.js';
import { getValues, parseUnit } from '../../shared/unitfile.js';

const NSPAWN_DIRS = ['/etc/systemd/nspawn', '/run/systemd/nspawn'];
const NETWORK_DIRS = ['/etc/systemd/network', '/run/systemd/network'];

/** The host-side veth name nspawn gives machine `name` (names longer than 12 are shortened by nspawn: not matched). */
const vethOf = (name: string) => `ve-${name}`;

/** Paths on the host that removing image `name` also removes. */
export function ownedFiles(name: string): string[] {
  return withHostTree((tree) => {
    const out: string[] = [];
    for (const dir of NSPAWN_DIRS) if (tree.exists(`${dir}/${name}.nspawn`)) out.push(`${dir}/${name}.nspawn`);
    for (const dir of NETWORK_DIRS) {
      for (const f of tree.list(dir).filter((n) => n.endsWith('.network')).sort()) {
        const file = tree.read(`${dir}/${f}`);
        if (file.text === null) continue; // gone meanwhile, or masked: not a file of this machine
        const names = getValues(parseUnit(file.text), 'Match', 'Name').flatMap((v) => v.split(/\s+/)).filter(Boolean);
        if (names.length === 1 && names[0] === vethOf(name)) out.push(`${dir}/${f}`);
      }
    }
    return out;
  });
}

/** Removes those files (planned before the image went); a file changed into something else is refused. */
export function removeOwnedFiles(files: string[]): void {
  withHostTree((tree) => {
    for (const f of files) removeFile(tree, f);
  });
}
