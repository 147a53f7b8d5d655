// networkd's list settings as networkd merges them: Address=, Gateway= and DNS= in [Network], plus
// one address per [Address] section and one default gateway per [Route] section without a
// Destination=, accumulate across the main file and its drop-ins in order. An empty DNS= empties
// the list; an empty Address= or Gateway= is ignored (systemd 252 logs "Invalid address ''").
// Each entry keeps the file and kind of place it comes from, so an edit lands where it was made.
import { FIELD_KEYS, type FieldName } from '../../shared/network.js';
import type { UnitDoc, UnitLine } from '../../shared/unitfile.js';
import { setValues } from '../../shared/unitfile.js';

export const LIST_FIELDS = ['addresses', 'gateways', 'dns'] as const;
export type ListField = (typeof LIST_FIELDS)[number];
export const isListField = (f: FieldName): f is ListField => (LIST_FIELDS as readonly string[]).includes(f);

/** Where an entry is written: a [Network] line, or a section of its own. */
export type ItemPlace = 'Network' | 'Address' | 'Route';
export interface ListItem { value: string; file: string; place: ItemPlace }

/** The section kind that holds one entry of a field, besides [Network]. */
const OWN_SECTION: Partial<Record<ListField, 'Address' | 'Route'>> = { addresses: 'Address', gateways: 'Route' };
const RESETS: Record<ListField, boolean> = { addresses: false, gateways: false, dns: true };

interface Block { section: string; start: number; end: number }

/** Sections of a document as [start, end) line ranges (header included). */
function blocks(doc: UnitDoc): Block[] {
  const out: Block[] = [];
  doc.lines.forEach((l, i) => {
    if (l.kind !== 'section') return;
    if (out.length) out[out.length - 1].end = i;
    out.push({ section: l.section, start: i, end: doc.lines.length });
  });
  return out;
}

const entries = (doc: UnitDoc, b: Block): UnitLine[] => doc.lines.slice(b.start + 1, b.end).filter((l) => l.kind === 'entry');
const lastOf = (ls: UnitLine[], key: string) => ls.filter((l) => l.key === key).pop()?.value;

/** The one entry a [Address] or [Route] section adds, if it adds one to this field. */
function sectionItem(field: ListField, section: string, ls: UnitLine[]): string | undefined {
  if (OWN_SECTION[field] !== section) return undefined;
  if (field === 'addresses') return lastOf(ls, 'Address') || undefined;
  // Only a route without a destination is a default gateway.
  return lastOf(ls, 'Destination') ? undefined : lastOf(ls, 'Gateway') || undefined;
}

/** Every entry of `field` the files give, in networkd's order, after the last reset. */
export function listItems(field: ListField, files: { rel: string; doc: UnitDoc }[]): ListItem[] {
  const key = FIELD_KEYS[field].key;
  let items: ListItem[] = [];
  for (const f of files) {
    for (const b of blocks(f.doc)) {
      const ls = entries(f.doc, b);
      if (b.section === 'Network') {
        for (const l of ls) {
          if (l.key !== key) continue;
          if (l.value === '') {
            if (RESETS[field]) items = [];
            continue;
          }
          for (const v of l.value!.split(/\s+/).filter(Boolean)) items.push({ value: v, file: f.rel, place: 'Network' });
        }
      } else {
        const v = sectionItem(field, b.section, ls);
        if (v) items.push({ value: v, file: f.rel, place: b.section as ItemPlace });
      }
    }
  }
  return items;
}

/** Whether a document empties the field's list (an empty DNS=). */
export function resetsList(doc: UnitDoc, field: ListField): boolean {
  return RESETS[field] && doc.lines.some((l) => l.kind === 'entry' && l.section === 'Network' && l.key === FIELD_KEYS[field].key && l.value === '');
}

/** Which current entries go and which desired values are new (a value kept stays where it is). */
export function listDiff(current: ListItem[], desired: string[]): { removed: ListItem[]; added: string[] } {
  const left = [...desired];
  const removed: ListItem[] = [];
  for (const item of current) {
    const i = left.indexOf(item.value);
    if (i >= 0) left.splice(i, 1);
    else removed.push(item);
  }
  return { removed, added: left };
}

/** Removes one entry from a document: a value from its [Network] line, or its whole section. */
export function removeItem(doc: UnitDoc, field: ListField, item: Pick<ListItem, 'value' | 'place'>): UnitDoc {
  const key = FIELD_KEYS[field].key;
  for (const b of blocks(doc)) {
    if (b.section !== item.place) continue;
    if (item.place !== 'Network') {
      if (sectionItem(field, b.section, entries(doc, b)) !== item.value) continue;
      return { ...doc, lines: [...doc.lines.slice(0, b.start), ...doc.lines.slice(b.end)] };
    }
    for (let i = b.start + 1; i < b.end; i++) {
      const l = doc.lines[i];
      if (l.kind !== 'entry' || l.key !== key) continue;
      const values = l.value!.split(/\s+/).filter(Boolean);
      const at = values.indexOf(item.value);
      if (at < 0) continue;
      values.splice(at, 1);
      const lines = [...doc.lines];
      if (values.length) lines[i] = { ...l, raw: `${key}=${values.join(' ')}${doc.eol}`, value: values.join(' ') };
      else lines.splice(i, 1);
      return { ...doc, lines };
    }
  }
  return doc;
}

/** Adds values as [Network] lines after the file's own entries of the key. */
export function appendItems(doc: UnitDoc, field: ListField, values: string[]): UnitDoc {
  if (!values.length) return doc;
  const key = FIELD_KEYS[field].key;
  const first = blocks(doc).find((b) => b.section === 'Network');
  const own = first ? entries(doc, first).filter((l) => l.key === key).map((l) => l.value!) : [];
  return setValues(doc, 'Network', key, [...own, ...values]);
}
