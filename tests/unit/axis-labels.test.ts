// Resource graphs: an axis never prints the same label twice (flat figures gave "0% 0% 0%").
import { describe, expect, it } from 'vitest';
import { distinctLabels } from '../../renderer/src/details/axis-labels';

describe('graph axis labels', () => {
  it('blanks repeats of a label and keeps the first', () => {
    expect(distinctLabels([0, 0.2, 0.4, 1], (v) => `${v.toFixed(0)}%`)).toEqual(['0%', '', '', '1%']);
    expect(distinctLabels([10, 20, 30], String)).toEqual(['10', '20', '30']);
  });
});
