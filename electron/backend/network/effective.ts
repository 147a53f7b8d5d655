// Which .network file (and drop-ins) systemd-networkd applies to a link, as networkd decides:
// same-named files in /etc mask /run mask /usr/lib; the first file in name order whose [Match]
// fits the link wins; drop-ins NAME.network.d/*.conf follow in name order.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getValues, parseUnit, type UnitDoc } from '../../../shared/unitfile.js';
import { FIELDS, FIELD_KEYS, normalizeValue, type FieldName, type NetworkForm } from '../../../shared/network.js';
import { readTagged, type TaggedFile } from './files.js';

export const NETWORK_DIRS = ['/etc/systemd/network', '/run/systemd/network', '/usr/lib/systemd/network', '/lib/systemd/network'];

export interface LinkFacts {
  name: string;
  kind: string;
  /** 'container' for host0 inside a container. */
  virtualization?: string;
}

export interface EffectiveConfig {
  /** Path inside the root, e.g. /etc/systemd/network/10-ve-db.network. */
  main?: TaggedFile & { rel: string; doc: UnitDoc };
  dropins: (TaggedFile & { rel: string; doc: UnitDoc })[];
  fileName?: string;
}

function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

function matches(doc: UnitDoc, link: LinkFacts): boolean {
  const names = getValues(doc, 'Match', 'Name').flatMap((v) => v.split(/\s+/)).filter(Boolean);
  if (names.length && !names.some((g) => (g.startsWith('!') ? !globToRegExp(g.slice(1)).test(link.name) : globToRegExp(g).test(link.name)))) return false;
  const kinds = getValues(doc, 'Match', 'Kind').flatMap((v) => v.split(/\s+/)).filter(Boolean);
  if (kinds.length && !kinds.includes(link.kind)) return false;
  const virt = getValues(doc, 'Match', 'Virtualization');
  if (virt.length) {
    const want = virt[virt.length - 1];
    const inContainer = link.virtualization === 'container';
    const ok = want === 'container' || want === 'yes' || want === 'true' ? inContainer : want.startsWith('!') || want === 'no' || want === 'false' ? !inContainer : inContainer;
    if (!ok) return false;
  }
  return true;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** `root` is where the system's / is seen from here ('' for the local host). */
export function effectiveConfig(root: string, link: LinkFacts): EffectiveConfig {
  const byName = new Map<string, string>();
  for (const dir of NETWORK_DIRS) {
    for (const f of listDir(join(root || '/', dir))) {
      if (f.endsWith('.network') && !byName.has(f)) byName.set(f, `${dir}/${f}`);
    }
  }
  for (const fileName of [...byName.keys()].sort()) {
    const rel = byName.get(fileName)!;
    const file = readTagged(join(root || '/', rel), root);
    if (file.text === null || file.symlinkTarget === '/dev/null') continue; // masked
    const doc = parseUnit(file.text);
    if (!matches(doc, link)) continue;
    return { main: { ...file, rel, doc }, dropins: dropinsFor(root, fileName), fileName };
  }
  return { dropins: [] };
}

function dropinsFor(root: string, fileName: string): EffectiveConfig['dropins'] {
  const byName = new Map<string, string>();
  for (const dir of NETWORK_DIRS) {
    const d = `${dir}/${fileName}.d`;
    for (const f of listDir(join(root || '/', d))) if (f.endsWith('.conf') && !byName.has(f)) byName.set(f, `${d}/${f}`);
  }
  return [...byName.keys()].sort().flatMap((f) => {
    const rel = byName.get(f)!;
    const file = readTagged(join(root || '/', rel), root);
    return file.text === null ? [] : [{ ...file, rel, doc: parseUnit(file.text) }];
  });
}

/** The form values networkd ends up with, and the file each one comes from. */
export function effectiveValues(cfg: EffectiveConfig): { values: NetworkForm; sources: Partial<Record<FieldName, string>> } {
  const files = [...(cfg.main ? [cfg.main] : []), ...cfg.dropins];
  const values = {} as Record<FieldName, string | string[]>;
  const sources: Partial<Record<FieldName, string>> = {};
  for (const field of FIELDS) {
    const { key, list } = FIELD_KEYS[field];
    let acc: string[] = [];
    let last: string | undefined;
    for (const f of files) {
      for (const l of f.doc.lines) {
        if (l.kind !== 'entry' || l.section !== 'Network' || l.key !== key) continue;
        sources[field] = f.rel;
        if (list) {
          if (l.value === '') acc = [];
          else acc.push(...l.value!.split(/\s+/).filter(Boolean));
        } else last = l.value;
      }
    }
    values[field] = list ? acc : normalizeValue(field, last);
  }
  return { values: values as unknown as NetworkForm, sources };
}

export const isNixos = (root: string) => existsSync(join(root || '/', 'etc/NIXOS'));
