export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

export const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

export function median(xs: number[]): number {
  return percentile(xs, 50);
}
