// Graph axis labels (pure, so it is tested without a browser).

/** Axis tick labels, each shown once: ticks closer than the format's precision print the same
 * text ("0% 0% 0%", "201 MiB" three times); the repeats are left blank. */
export function distinctLabels(vals: number[], fmt: (v: number) => string): string[] {
  const seen = new Set<string>();
  return vals.map((v) => {
    const text = fmt(v);
    if (seen.has(text)) return '';
    seen.add(text);
    return text;
  });
}
