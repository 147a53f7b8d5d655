// Runs in the renderer: the order of a window's tabs, as pure functions of the list.

/** The list with the tab `key` swapped with its neighbour `delta` away; the same list at an end. */
export function movedTab<T extends { key: string }>(tabs: readonly T[], key: string, delta: -1 | 1): readonly T[] {
  const i = tabs.findIndex((t) => t.key === key);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= tabs.length) return tabs;
  const next = [...tabs];
  [next[i], next[j]] = [next[j], next[i]];
  return next;
}

/** The key `delta` away from `active` in `keys`, round from the last to the first and back. */
export function cycledKey(keys: readonly string[], active: string, delta: -1 | 1): string {
  const i = keys.indexOf(active);
  return keys[(i + delta + keys.length) % keys.length];
}
