// Turns a desired form into file edits.
// - edit: the effective file is a plain file in /etc (or our own runtime override): edit in place.
// - etc-copy: the file belongs to the system (/usr/lib, /run): a same-named copy in /etc masks it.
// - runtime (NixOS: the file is a store symlink): a drop-in in /run/systemd/network/F.d/ for
//   scalar changes and added list entries; systemd-networkd cannot remove a list entry from a
//   drop-in (an empty "Address=" is rejected, systemd 252), so removals go into a runtime copy
//   /run/systemd/network/00-nsd-F, which sorts first and so wins. Both vanish at reboot.
// List entries (list-items.ts) are removed from the file they come from and added to the file the
// user chose; a scalar changes in the file whose value wins.
import { FIELD_KEYS, FIELDS, type FieldName, type NetworkForm, type Side } from '../../shared/network.js';
import { parseUnit, serializeUnit, setValues, unifiedDiff, type UnitDoc } from '../../shared/unitfile.js';
import { RpcError } from '../../shared/errors.js';
import type { RootedTree } from '../files/rooted-tree.js';
import { isNixos, type EffectiveConfig, type effectiveValues } from './effective.js';
import { appendItems, isListField, listDiff, removeItem, resetsList, type ListField } from './list-items.js';

export type ApplyMode = 'edit' | 'etc-copy' | 'runtime' | 'none';
export const DROPIN_NAME = '50-nspawn-desktop.conf';
export const OVERRIDE_PREFIX = '00-nsd-';

export interface FileChange {
  side: Side;
  /** Path inside the host or container, as the user knows it. */
  rel: string;
  before: string | null;
  after: string;
  tag: string;
  diff: string;
}

export function applyMode(tree: RootedTree, cfg: EffectiveConfig): { mode: ApplyMode; reason?: string } {
  if (!cfg.main) return { mode: 'none', reason: 'no .network file matches this link' };
  const name = cfg.main.rel.split('/').pop()!;
  if (cfg.main.rel.startsWith('/run/systemd/network/') && name.startsWith(OVERRIDE_PREFIX)) {
    return { mode: 'edit', reason: `${cfg.main.rel} is a runtime override written by this app; it lasts until reboot` };
  }
  if (isNixos(tree) || cfg.main.symlinkTarget?.startsWith('/nix/store')) {
    return { mode: 'runtime', reason: 'NixOS: the file is read-only in the Nix store; the change is written under /run and lasts until reboot' };
  }
  if (cfg.main.rel.startsWith('/etc/') && !cfg.main.symlinkTarget) return { mode: 'edit' };
  return { mode: 'etc-copy', reason: `${cfg.main.rel} belongs to the system; a copy in /etc/systemd/network overrides it` };
}

export function changedFields(current: NetworkForm, desired: NetworkForm): Partial<NetworkForm> {
  const out: Partial<Record<FieldName, unknown>> = {};
  for (const f of FIELDS) if (JSON.stringify(current[f]) !== JSON.stringify(desired[f])) out[f] = desired[f];
  return out as Partial<NetworkForm>;
}

/** Sets `key` in the first [Network] section and removes it from later [Network] sections. */
function setOnly(doc: UnitDoc, key: string, values: string[]): UnitDoc {
  const next = setValues(doc, 'Network', key, values);
  const first = next.lines.findIndex((l) => l.kind === 'section' && l.section === 'Network');
  let end = first + 1;
  while (end < next.lines.length && next.lines[end].kind !== 'section') end++;
  return { ...next, lines: next.lines.filter((l, i) => i < end || !(l.kind === 'entry' && l.section === 'Network' && l.key === key)) };
}

interface Edit { rel: string; doc: UnitDoc; before: string | null; tag: string }

/** What the form was read as: values, each list entry's file, each scalar's file. */
export type Current = ReturnType<typeof effectiveValues>;

export function planSide(
  side: Side, tree: RootedTree, cfg: EffectiveConfig, mode: ApplyMode, current: Current, changes: Partial<NetworkForm>, addTo?: string,
): FileChange[] {
  const fields = Object.keys(changes) as FieldName[];
  if (!fields.length || mode === 'none' || !cfg.main || !cfg.fileName) return [];
  const main = cfg.main;
  const files = [main, ...cfg.dropins];
  const edits = new Map<string, Edit>();
  const open = (rel: string, seed?: () => string): Edit => {
    let e = edits.get(rel);
    if (!e) {
      // A file of the effective config was just read and parsed: reuse it (its tag still guards the write).
      const known = files.find((f) => f.rel === rel);
      if (known && known.text !== null) {
        e = { rel, before: known.text, tag: known.tag, doc: known.doc };
      } else {
        const f = tree.read(rel);
        const text = f.text ?? seed?.() ?? '';
        e = { rel, before: f.text, tag: f.tag, doc: parseUnit(text) };
      }
      edits.set(rel, e);
    }
    return e;
  };
  const scalar = (f: FieldName) => changes[f] as string;
  const diffOf = (f: ListField) => listDiff(current.items[f], changes[f] as string[]);

  if (mode === 'runtime') {
    // Store files cannot change: added entries and scalars go into our drop-in; an entry another
    // file gives can only go by a runtime copy of them all (an empty Address= resets nothing).
    const dropinRel = `/run/systemd/network/${cfg.fileName}.d/${DROPIN_NAME}`;
    const needsCopy = fields.some((f) => isListField(f) && diffOf(f).removed.some((i) => i.file !== dropinRel));
    const e = needsCopy
      ? open(`/run/systemd/network/${OVERRIDE_PREFIX}${cfg.fileName}`, () => {
        const flat = [main.text ?? '', ...cfg.dropins.map((d) => `\n# from ${d.rel}\n${d.text ?? ''}`)].join('');
        return `# Runtime override written by nspawn desktop; /run is cleared at reboot.\n# Copy of ${main.rel}${cfg.dropins.length ? ' and its drop-ins' : ''}.\n${flat}`;
      })
      : open(dropinRel, () => '# Written by nspawn desktop. Runtime change: /run is cleared at reboot.\n');
    for (const f of fields) {
      if (isListField(f)) {
        const { removed, added } = diffOf(f);
        for (const item of removed) e.doc = removeItem(e.doc, f, item);
        e.doc = appendItems(e.doc, f, added);
      } else {
        e.doc = needsCopy ? setOnly(e.doc, FIELD_KEYS[f].key, [scalar(f)]) : setValues(e.doc, 'Network', FIELD_KEYS[f].key, [scalar(f)]);
      }
    }
  } else {
    // Each entry changes in the file it comes from. A file that is not ours to edit in place
    // (/usr/lib, /run, a symlink) gets a same-named copy in /etc, which masks it.
    const writable = (rel: string) => {
      const f = files.find((x) => x.rel === rel)!;
      if (!f.symlinkTarget && (rel.startsWith('/etc/') || (mode === 'edit' && rel === main.rel))) return open(rel);
      const copy = `/etc/systemd/network/${rel.slice(rel.indexOf('/network/') + '/network/'.length)}`;
      return open(copy, () => f.text ?? '');
    };
    const addFile = addTo ?? main.rel;
    if (!files.some((f) => f.rel === addFile)) throw new RpcError('invalid_request', `${addFile} is not one of the files of this link`);
    for (const f of fields) {
      if (isListField(f)) {
        const { removed, added } = diffOf(f);
        for (const item of removed) {
          const e = writable(item.file);
          e.doc = removeItem(e.doc, f, item);
        }
        if (!added.length) continue;
        const later = files.slice(files.findIndex((x) => x.rel === addFile) + 1).find((x) => resetsList(x.doc, f));
        if (later) throw new RpcError('invalid_request', `${FIELD_KEYS[f].key}= in ${later.rel} empties the list after ${addFile}: add the new entries there`);
        const e = writable(addFile);
        e.doc = appendItems(e.doc, f, added);
      } else {
        const e = writable(current.sources[f] ?? main.rel);
        e.doc = setOnly(e.doc, FIELD_KEYS[f].key, [scalar(f)]);
      }
    }
  }
  return [...edits.values()].map((e) => {
    const after = serializeUnit(e.doc);
    return { side, rel: e.rel, before: e.before, after, tag: e.tag, diff: unifiedDiff(e.before ?? '', after, e.rel) };
  }).filter((c) => c.before !== c.after);
}
