// Turns a desired form into file edits.
// - edit: the effective file is a plain file in /etc (or our own runtime override): edit in place.
// - etc-copy: the file belongs to the system (/usr/lib, /run): a same-named copy in /etc masks it.
// - runtime (NixOS: the file is a store symlink): a drop-in in /run/systemd/network/F.d/ for
//   scalar changes and added list entries; systemd-networkd cannot remove a list entry from a
//   drop-in (an empty "Address=" is rejected, systemd 252), so removals go into a runtime copy
//   /run/systemd/network/00-nsd-F, which sorts first and so wins. Both vanish at reboot.
import { FIELD_KEYS, FIELDS, type FieldName, type NetworkForm, type Side } from '../../shared/network.js';
import { getValues, parseUnit, serializeUnit, setValues, unifiedDiff, type UnitDoc } from '../../shared/unitfile.js';
import type { RootedTree } from '../files/rooted-tree.js';
import { isNixos, type EffectiveConfig } from './effective.js';

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

const startsWith = (a: string[], prefix: string[]) => prefix.every((v, i) => a[i] === v);

/** Sets `key` in the first [Network] section and removes it from later [Network] sections. */
function setOnly(doc: UnitDoc, key: string, values: string[]): UnitDoc {
  const next = setValues(doc, 'Network', key, values);
  const first = next.lines.findIndex((l) => l.kind === 'section' && l.section === 'Network');
  let end = first + 1;
  while (end < next.lines.length && next.lines[end].kind !== 'section') end++;
  return { ...next, lines: next.lines.filter((l, i) => i < end || !(l.kind === 'entry' && l.section === 'Network' && l.key === key)) };
}

interface Edit { rel: string; doc: UnitDoc; before: string | null; tag: string }

export function planSide(side: Side, tree: RootedTree, cfg: EffectiveConfig, mode: ApplyMode, current: NetworkForm, changes: Partial<NetworkForm>): FileChange[] {
  const fields = Object.keys(changes) as FieldName[];
  if (!fields.length || mode === 'none' || !cfg.main || !cfg.fileName) return [];
  const main = cfg.main;
  const edits = new Map<string, Edit>();
  const open = (rel: string, seed?: () => string): Edit => {
    let e = edits.get(rel);
    if (!e) {
      // A file of the effective config was just read and parsed: reuse it (its tag still guards the write).
      const known = [cfg.main, ...cfg.dropins].find((f) => f?.rel === rel);
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
  const values = (f: FieldName): string[] => {
    const v = changes[f]!;
    return Array.isArray(v) ? v : [v];
  };

  if (mode === 'runtime') {
    const dropinRel = `/run/systemd/network/${cfg.fileName}.d/${DROPIN_NAME}`;
    const ours = cfg.dropins.find((d) => d.rel === dropinRel);
    // Values that come from files other than our drop-in stay whatever we do in it.
    const base = (f: FieldName) => {
      const inOurs = ours ? getValues(ours.doc, 'Network', FIELD_KEYS[f].key).length : 0;
      const all = current[f] as string[];
      return all.slice(0, all.length - inOurs);
    };
    const needsCopy = fields.some((f) => FIELD_KEYS[f].list && !startsWith(values(f), base(f)));
    if (needsCopy) {
      const rel = `/run/systemd/network/${OVERRIDE_PREFIX}${cfg.fileName}`;
      const flat = () => [main.text ?? '', ...cfg.dropins.map((d) => `\n# from ${d.rel}\n${d.text ?? ''}`)].join('');
      const e = open(rel, () => `# Runtime override written by nspawn desktop; /run is cleared at reboot.\n# Copy of ${main.rel}${cfg.dropins.length ? ' and its drop-ins' : ''}.\n${flat()}`);
      for (const f of fields) e.doc = setOnly(e.doc, FIELD_KEYS[f].key, values(f));
    } else {
      const e = open(dropinRel, () => '# Written by nspawn desktop. Runtime change: /run is cleared at reboot.\n');
      for (const f of fields) {
        const v = FIELD_KEYS[f].list ? values(f).slice(base(f).length) : values(f);
        e.doc = setValues(e.doc, 'Network', FIELD_KEYS[f].key, v);
      }
    }
  } else {
    const targetRel = mode === 'etc-copy' ? `/etc/systemd/network/${cfg.fileName}` : main.rel;
    const e = open(targetRel, () => main.text ?? '');
    for (const f of fields) {
      const key = FIELD_KEYS[f].key;
      e.doc = setOnly(e.doc, key, values(f));
      // A drop-in that also sets the key would add to (lists) or override (scalars) the value.
      for (const d of cfg.dropins) {
        if (!getValues(d.doc, 'Network', key).length && !d.doc.lines.some((l) => l.kind === 'entry' && l.section === 'Network' && l.key === key)) continue;
        const de = open(d.rel);
        de.doc = { ...de.doc, lines: de.doc.lines.filter((l) => !(l.kind === 'entry' && l.section === 'Network' && l.key === key)) };
      }
    }
  }
  return [...edits.values()].map((e) => {
    const after = serializeUnit(e.doc);
    return { side, rel: e.rel, before: e.before, after, tag: e.tag, diff: unifiedDiff(e.before ?? '', after, e.rel) };
  }).filter((c) => c.before !== c.after);
}
