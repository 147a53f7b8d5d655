// Turns a desired form into file edits: in place where /etc is writable, a drop-in otherwise.
import { FIELDS, FIELD_KEYS, type FieldName, type NetworkForm, type Side } from '../../../shared/network.js';
import { getValues, parseUnit, serializeUnit, setValues, unifiedDiff, type UnitDoc } from '../../../shared/unitfile.js';
import { readTagged } from './files.js';
import { isNixos, type EffectiveConfig } from './effective.js';
import { join } from 'node:path';

export type ApplyMode = 'edit' | 'runtime-dropin' | 'etc-dropin' | 'none';
export const DROPIN_NAME = '50-nspawn-desktop.conf';

export interface FileChange {
  side: Side;
  /** Path inside the host or container, as the user knows it. */
  rel: string;
  /** Path as this process reaches it. */
  abs: string;
  before: string | null;
  after: string;
  tag: string;
  diff: string;
}

export function applyMode(root: string, cfg: EffectiveConfig): { mode: ApplyMode; reason?: string } {
  if (!cfg.main) return { mode: 'none', reason: 'no .network file matches this link' };
  if (isNixos(root) || cfg.main.symlinkTarget?.startsWith('/nix/store')) {
    return { mode: 'runtime-dropin', reason: 'NixOS: the file is read-only in the Nix store; the change is written as a runtime drop-in in /run and lasts until reboot' };
  }
  if (cfg.main.rel.startsWith('/etc/') && !cfg.main.symlinkTarget) return { mode: 'edit' };
  return { mode: 'etc-dropin', reason: `${cfg.main.rel} belongs to the system; the change is written as a drop-in in /etc` };
}

export function changedFields(current: NetworkForm, desired: NetworkForm): Partial<NetworkForm> {
  const out: Partial<Record<FieldName, unknown>> = {};
  for (const f of FIELDS) if (JSON.stringify(current[f]) !== JSON.stringify(desired[f])) out[f] = desired[f];
  return out as Partial<NetworkForm>;
}

const DROPIN_HEAD = (runtime: boolean) =>
  `# Written by nspawn desktop.${runtime ? ' Runtime change: /run is cleared at reboot.' : ''}\n`;

function keySetIn(doc: UnitDoc, key: string): boolean {
  return doc.lines.some((l) => l.kind === 'entry' && l.section === 'Network' && l.key === key);
}

export function planSide(side: Side, root: string, cfg: EffectiveConfig, mode: ApplyMode, changes: Partial<NetworkForm>): FileChange[] {
  const fields = Object.keys(changes) as FieldName[];
  if (!fields.length || mode === 'none' || !cfg.main || !cfg.fileName) return [];
  const edits = new Map<string, { rel: string; doc: UnitDoc; before: string | null; tag: string }>();
  const target = (rel: string, existing?: { text: string | null; tag: string; doc?: UnitDoc }) => {
    let e = edits.get(rel);
    if (!e) {
      const f = existing ?? readTagged(join(root || '/', rel));
      const runtime = rel.startsWith('/run/');
      e = { rel, before: f.text, tag: f.tag, doc: f.text === null ? parseUnit(DROPIN_HEAD(runtime)) : parseUnit(f.text) };
      edits.set(rel, e);
    }
    return e;
  };
  for (const field of fields) {
    const { key, list } = FIELD_KEYS[field];
    const v = changes[field]!;
    const values = Array.isArray(v) ? v : [v];
    let rel: string;
    let reset: boolean;
    if (mode === 'edit') {
      const inDropin = [...cfg.dropins].reverse().find((d) => keySetIn(d.doc, key));
      rel = inDropin ? inDropin.rel : cfg.main.rel;
      reset = !!inDropin && list;
      if (!edits.has(rel)) target(rel, inDropin ?? cfg.main);
    } else {
      const dir = mode === 'runtime-dropin' ? '/run/systemd/network' : '/etc/systemd/network';
      rel = `${dir}/${cfg.fileName}.d/${DROPIN_NAME}`;
      reset = list;
    }
    const e = target(rel);
    e.doc = setValues(e.doc, 'Network', key, reset ? ['', ...values] : values);
    // Keep scalar edits readable: an explicitly empty list in a drop-in still needs its reset line.
    if (reset && values.length === 0 && getValues(e.doc, 'Network', key).length !== 0) e.doc = setValues(e.doc, 'Network', key, ['']);
  }
  return [...edits.values()].map((e) => {
    const after = serializeUnit(e.doc);
    return { side, rel: e.rel, abs: join(root || '/', e.rel), before: e.before, after, tag: e.tag, diff: unifiedDiff(e.before ?? '', after, e.rel) };
  }).filter((c) => c.before !== c.after);
}
