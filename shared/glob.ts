// fnmatch(3)-style matching as systemd uses for [Match] Name= globs: `*`, `?`, `[...]` classes
// with ranges and `!`/`^` negation, `\` escapes. An unterminated `[` is a literal character.
// Iterative with one backtrack point per `*`, so a hostile pattern costs O(pattern × name).

function classAt(p: string, i: number, c: string): { end: number; hit: boolean } | undefined {
  let j = i + 1;
  const negate = p[j] === '!' || p[j] === '^';
  if (negate) j++;
  let hit = false;
  let first = true;
  while (j < p.length && (p[j] !== ']' || first)) {
    first = false;
    let lo = p[j];
    if (lo === '\\' && j + 1 < p.length) lo = p[++j];
    if (p[j + 1] === '-' && j + 2 < p.length && p[j + 2] !== ']') {
      let hi = p[j + 2];
      j += 2;
      if (hi === '\\' && j + 1 < p.length) hi = p[++j];
      if (c >= lo && c <= hi) hit = true;
    } else if (c === lo) hit = true;
    j++;
  }
  if (j >= p.length) return undefined; // no closing ']'
  return { end: j + 1, hit: hit !== negate };
}

export function globMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let starP = -1;
  let starN = 0;
  while (n < name.length) {
    const ch = pattern[p];
    if (ch === '*') {
      starP = ++p;
      starN = n;
      continue;
    }
    if (p < pattern.length) {
      if (ch === '?') {
        p++;
        n++;
        continue;
      }
      if (ch === '[') {
        const cls = classAt(pattern, p, name[n]);
        if (cls) {
          if (cls.hit) {
            p = cls.end;
            n++;
            continue;
          }
        } else if (name[n] === '[') {
          p++;
          n++;
          continue;
        }
      } else {
        const lit = ch === '\\' && p + 1 < pattern.length ? pattern[p + 1] : ch;
        if (lit === name[n]) {
          p += ch === '\\' && p + 1 < pattern.length ? 2 : 1;
          n++;
          continue;
        }
      }
    }
    if (starP < 0) return false;
    p = starP;
    n = ++starN;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
