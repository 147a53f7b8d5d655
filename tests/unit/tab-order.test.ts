// Moving tabs left and right, and cycling through the views and tabs (Ctrl+Tab / Ctrl+Shift+Tab).
import { describe, expect, it } from 'vitest';
import { cycledKey, movedTab } from '../../renderer/src/terminals/tab-order';

const tabs = [{ key: 'a' }, { key: 'b' }, { key: 'c' }];
const keys = (list: readonly { key: string }[]) => list.map((t) => t.key).join('');

describe('movedTab', () => {
  it('swaps a tab with its neighbour', () => {
    expect(keys(movedTab(tabs, 'b', -1))).toBe('bac');
    expect(keys(movedTab(tabs, 'b', 1))).toBe('acb');
    expect(keys(tabs)).toBe('abc'); // the list it was given is not changed
  });

  it('leaves the list as it is at either end and for a tab it does not hold', () => {
    expect(movedTab(tabs, 'a', -1)).toBe(tabs);
    expect(movedTab(tabs, 'c', 1)).toBe(tabs);
    expect(movedTab(tabs, 'x', 1)).toBe(tabs);
  });
});

describe('cycledKey', () => {
  const all = ['machines', 'images', 'a', 'b'];
  it('goes to the next and the previous view or tab, round at both ends', () => {
    expect(cycledKey(all, 'images', 1)).toBe('a');
    expect(cycledKey(all, 'b', 1)).toBe('machines');
    expect(cycledKey(all, 'machines', -1)).toBe('b');
  });
});
