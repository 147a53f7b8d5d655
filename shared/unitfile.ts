// A lossless reader/editor for systemd unit-style files (.network, .nspawn, drop-ins).
// Every physical line keeps its exact bytes (including its line terminator), so an unedited
// document serializes back byte for byte, and an edit rewrites only the lines it must.
import { diffArrays } from 'diff';

export type LineKind = 'blank' | 'comment' | 'section' | 'entry' | 'other';

export interface UnitLine {
  /** Exact text, including the terminator(s); several physical lines for a continued entry. */
  raw: string;
  kind: LineKind;
  /** Section the line belongs to ('' before the first header). */
  section: string;
  key?: string;
  /** Logical value: trimmed, continuations joined with a space, as systemd reads it. */
  value?: string;
}

export interface UnitDoc {
  lines: UnitLine[];
  /** Line terminator used for new lines: the file's own. */
  eol: string;
}

function splitPhysical(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** A physical line without its terminator ('\n' or '\r\n'). */
function body(raw: string): string {
  if (!raw.endsWith('\n')) return raw;
  return raw.endsWith('\r\n') ? raw.slice(0, -2) : raw.slice(0, -1);
}

export function parseUnit(text: string): UnitDoc {
  const phys = splitPhysical(text);
  const eol = phys.length && phys[0].endsWith('\r\n') ? '\r\n' : '\n';
  const lines: UnitLine[] = [];
  let section = '';
  for (let i = 0; i < phys.length; i++) {
    const raw = phys[i];
    const t = body(raw).trim();
    if (t === '') {
      lines.push({ raw, kind: 'blank', section });
    } else if (t.startsWith('#') || t.startsWith(';')) {
      lines.push({ raw, kind: 'comment', section });
    } else if (/^\[[^\]]*\]$/.test(t)) {
      section = t.slice(1, -1);
      lines.push({ raw, kind: 'section', section });
    } else if (t.includes('=')) {
      let full = raw;
      let logical = body(raw);
      // A trailing backslash continues the value on the next physical line.
      while (/\\$/.test(logical.trimEnd())) {
        const head = logical.trimEnd().slice(0, -1).trimEnd();
        if (!(i + 1 < phys.length && full.endsWith('\n'))) {
          logical = head; // a continuation at end of file continues into nothing
          break;
        }
        i++;
        full += phys[i];
        logical = `${head} ${body(phys[i]).trim()}`;
      }
      const eq = logical.indexOf('=');
      lines.push({ raw: full, kind: 'entry', section, key: logical.slice(0, eq).trim(), value: logical.slice(eq + 1).trim() });
    } else {
      lines.push({ raw, kind: 'other', section });
    }
  }
  return { lines, eol };
}

export function serializeUnit(doc: UnitDoc): string {
  return doc.lines.map((l) => l.raw).join('');
}

/** Values of a key in all sections named `section`; an empty assignment resets the list. */
export function getValues(doc: UnitDoc, section: string, key: string): string[] {
  let out: string[] = [];
  for (const l of doc.lines) {
    if (l.kind !== 'entry' || l.section !== section || l.key !== key) continue;
    if (l.value === '') out = [];
    else out.push(l.value!);
  }
  return out;
}

export function getLast(doc: UnitDoc, section: string, key: string): string | undefined {
  const v = getValues(doc, section, key);
  return v.length ? v[v.length - 1] : undefined;
}

function entryLine(doc: UnitDoc, section: string, key: string, value: string, like?: UnitLine): UnitLine {
  // Keep the spelling of an existing line's key part (e.g. "Address = ") when replacing its value.
  let prefix = `${key}=`;
  if (like && !like.raw.includes('\\\n') && !like.raw.includes('\\\r\n')) {
    const m = /^([ \t]*[^=\n]*=[ \t]*)/.exec(like.raw);
    if (m) prefix = m[1];
  }
  return { raw: `${prefix}${value}${doc.eol}`, kind: 'entry', section, key, value };
}

/** Ends a line that lacks a terminator; a dangling continuation gets an empty line to continue into. */
function terminate(line: UnitLine | undefined, eol: string): void {
  if (!line) return;
  const b = body(line.raw);
  const dangling = line.kind === 'entry' && /\\$/.test(b.slice(b.lastIndexOf('\n') + 1).trimEnd());
  if (!line.raw.endsWith('\n')) line.raw += eol;
  if (dangling) line.raw += eol;
}

function ensureTrailingNewline(doc: UnitDoc): void {
  terminate(doc.lines[doc.lines.length - 1], doc.eol);
}

/**
 * Makes `key` in the first `[section]` hold exactly `values` (in order), editing existing lines in
 * place, dropping surplus ones and inserting new ones after the last existing entry of the key (or
 * of the section). Other sections with the same name keep their lines. Returns a new document.
 */
export function setValues(doc: UnitDoc, section: string, key: string, values: string[]): UnitDoc {
  const lines = doc.lines.map((l) => ({ ...l }));
  const out: UnitDoc = { lines, eol: doc.eol };
  const headers = lines.map((l, i) => (l.kind === 'section' && l.section === section ? i : -1)).filter((i) => i >= 0);
  if (headers.length === 0) {
    if (values.length === 0) return out;
    ensureTrailingNewline(out);
    if (lines.length && lines[lines.length - 1].kind !== 'blank') lines.push({ raw: doc.eol, kind: 'blank', section: lines[lines.length - 1].section });
    lines.push({ raw: `[${section}]${doc.eol}`, kind: 'section', section });
    for (const v of values) lines.push(entryLine(out, section, key, v));
    return out;
  }
  const start = headers[0];
  let end = start + 1;
  while (end < lines.length && lines[end].kind !== 'section') end++;
  const existing: number[] = [];
  for (let i = start + 1; i < end; i++) if (lines[i].kind === 'entry' && lines[i].key === key) existing.push(i);
  const replaced = new Map<number, UnitLine>();
  existing.forEach((idx, n) => {
    if (n < values.length) {
      replaced.set(idx, lines[idx].value === values[n] ? lines[idx] : entryLine(out, section, key, values[n], lines[idx]));
    }
  });
  const extra = values.slice(existing.length).map((v) => entryLine(out, section, key, v, existing.length ? lines[existing[0]] : undefined));
  let insertAt: number;
  if (existing.length) insertAt = existing[existing.length - 1];
  else {
    insertAt = start;
    for (let i = start + 1; i < end; i++) if (lines[i].kind === 'entry' || lines[i].kind === 'other') insertAt = i;
  }
  const result: UnitLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (existing.includes(i)) {
      const r = replaced.get(i);
      if (r) result.push(r);
    } else {
      result.push(lines[i]);
    }
    if (i === insertAt && extra.length) {
      const prev = result[result.length - 1];
      if (prev) result[result.length - 1] = { ...prev };
      terminate(result[result.length - 1], doc.eol);
      result.push(...extra);
    }
  }
  // A file that did not end in a newline keeps not ending in one, unless we appended after it.
  return { lines: result, eol: doc.eol };
}

/** Line-level unified diff (small files: LCS is fine). */
/** Myers costs O((N+M)·D) for D edited lines: beyond this many edits (or this many ms) the
 * preview shows the whole file replaced, which for such a change says as much. */
const MAX_EDIT_LINES = 1000;
const MAX_DIFF_MS = 300;

type Op = { t: ' ' | '-' | '+'; s: string; ai: number; bi: number };

/** Line operations turning `a` into `b`: common head and tail kept as they are, Myers' diff
 * (jsdiff) on the middle only, so a one-line edit of a large file costs one pass. */
function lineOps(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const ops: Op[] = [];
  for (let i = 0; i < head; i++) ops.push({ t: ' ', s: a[i], ai: i, bi: i });
  let ai = head;
  let bi = head;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const parts = (midA.length && midB.length ? diffArrays(midA, midB, { maxEditLength: MAX_EDIT_LINES, timeout: MAX_DIFF_MS }) : undefined) as
    { value: string[]; added?: boolean; removed?: boolean }[] | undefined;
  if (!parts) {
    for (const s of midA) ops.push({ t: '-', s, ai: ai++, bi });
    for (const s of midB) ops.push({ t: '+', s, ai, bi: bi++ });
  } else {
    for (const p of parts) {
      for (const s of p.value) {
        if (p.added) ops.push({ t: '+', s, ai, bi: bi++ });
        else if (p.removed) ops.push({ t: '-', s, ai: ai++, bi });
        else ops.push({ t: ' ', s, ai: ai++, bi: bi++ });
      }
    }
  }
  for (let i = 0; i < tail; i++) ops.push({ t: ' ', s: a[ai + i], ai: ai + i, bi: bi + i });
  return ops;
}

export function unifiedDiff(before: string, after: string, path: string, context = 3): string {
  const ops = lineOps(splitPhysical(before).map(body), splitPhysical(after).map(body));
  const changed = ops.map((o, k) => (o.t !== ' ' ? k : -1)).filter((k) => k >= 0);
  if (!changed.length) return '';
  const out = [`--- ${before === '' ? '/dev/null' : `a${path}`}`, `+++ b${path}`];
  let k = 0;
  while (k < changed.length) {
    const from = Math.max(0, changed[k] - context);
    let to = Math.min(ops.length - 1, changed[k] + context);
    while (k + 1 < changed.length && changed[k + 1] - context <= to + 1) {
      k++;
      to = Math.min(ops.length - 1, changed[k] + context);
    }
    const hunk = ops.slice(from, to + 1);
    const aStart = hunk[0].ai + 1;
    const bStart = hunk[0].bi + 1;
    const aLen = hunk.filter((o) => o.t !== '+').length;
    const bLen = hunk.filter((o) => o.t !== '-').length;
    out.push(`@@ -${aLen ? aStart : aStart - 1},${aLen} +${bLen ? bStart : bStart - 1},${bLen} @@`);
    for (const o of hunk) out.push(`${o.t}${o.s}`);
    k++;
  }
  return out.join('\n') + '\n';
}
