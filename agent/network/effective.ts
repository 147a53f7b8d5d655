// Which .network file (and drop-ins) systemd-networkd applies to a link, as networkd decides:
// same-named files in /etc mask /run mask /usr/lib; the first file in name order whose [Match]
// fits the link wins; drop-ins NAME.network.d/*.conf follow in name order.
import { getValues, parseUnit, type UnitDoc } from '../../shared/unitfile.js';
import { globMatch } from '../../shared/glob.js';
import { FIELDS, FIELD_KEYS, normalizeValue, type FieldName, type NetworkForm } from '../../shared/network.js';
import { RpcError } from '../../shared/errors.js';
import type { RootedTree, TaggedFile } from '../files/rooted-tree.js';
import { isListField, listItems, type ListField, type ListItem } from './list-items.js';

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

/** Files read to find the one that applies: more is a tree built to slow us down. */
const MAX_FILES_READ = 256;

function matches(doc: UnitDoc, link: LinkFacts): boolean {
  const names = getValues(doc, 'Match', 'Name').flatMap((v) => v.split(/\s+/)).filter(Boolean);
  if (names.length && !names.some((g) => (g.startsWith('!') ? !globMatch(g.slice(1), link.name) : globMatch(g, link.name)))) return false;
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

/** The .network file (and drop-ins) networkd applies to `link`, every path resolved inside `tree`. */
export function effectiveConfig(tree: RootedTree, link: LinkFacts): EffectiveConfig {
  const byName = new Map<string, string>();
  for (const dir of NETWORK_DIRS) {
    for (const f of tree.list(dir)) {
      if (f.endsWith('.network') && !byName.has(f)) byName.set(f, `${dir}/${f}`);
    }
  }
  let read = 0;
  for (const fileName of [...byName.keys()].sort()) {
    const rel = byName.get(fileName)!;
    if (++read > MAX_FILES_READ) throw new RpcError('unsupported_file', `more than ${MAX_FILES_READ} .network files ${tree.place}; not read`);
    const file = tree.read(rel);
    if (file.text === null) continue; // gone, or masked
    const doc = parseUnit(file.text);
    if (!matches(doc, link)) continue;
    return { main: { ...file, rel, doc }, dropins: dropinsFor(tree, fileName), fileName };
  }
  return { dropins: [] };
}

function dropinsFor(tree: RootedTree, fileName: string): EffectiveConfig['dropins'] {
  const byName = new Map<string, string>();
  for (const dir of NETWORK_DIRS) {
    const d = `${dir}/${fileName}.d`;
    for (const f of tree.list(d)) if (f.endsWith('.conf') && !byName.has(f)) byName.set(f, `${d}/${f}`);
  }
  const names = [...byName.keys()].sort();
  if (names.length > MAX_FILES_READ) throw new RpcError('unsupported_file', `more than ${MAX_FILES_READ} drop-ins for ${fileName} ${tree.place}; not read`);
  return names.flatMap((f) => {
    const rel = byName.get(f)!;
    const file = tree.read(rel);
    return file.text === null ? [] : [{ ...file, rel, doc: parseUnit(file.text) }];
  });
}

/** The form values networkd ends up with; each list entry with its file, each scalar's file. */
export function effectiveValues(cfg: EffectiveConfig): {
  values: NetworkForm; sources: Partial<Record<FieldName, string>>; items: Record<ListField, ListItem[]>;
} {
  const files = [...(cfg.main ? [cfg.main] : []), ...cfg.dropins];
  const values = {} as Record<FieldName, string | string[]>;
  const sources: Partial<Record<FieldName, string>> = {};
  const items = {} as Record<ListField, ListItem[]>;
  for (const field of FIELDS) {
    if (isListField(field)) {
      items[field] = listItems(field, files);
      values[field] = items[field].map((i) => i.value);
      continue;
    }
    const { key } = FIELD_KEYS[field];
    let last: string | undefined;
    for (const f of files) {
      for (const l of f.doc.lines) {
        if (l.kind !== 'entry' || l.section !== 'Network' || l.key !== key) continue;
        sources[field] = f.rel;
        last = l.value;
      }
    }
    values[field] = normalizeValue(field, last);
  }
  return { values: values as unknown as NetworkForm, sources, items };
}

export const isNixos = (tree: RootedTree) => tree.exists('/etc/NIXOS');
