// Large terminal input goes to the backend in pieces it accepts, in order, never splitting a
// character made of two UTF-16 units.
import { describe, expect, it } from 'vitest';
import { splitInput } from '../../renderer/src/terminals/input-queue';
import { TERMINAL_WRITE_MAX_CHARS } from '../../shared/contract';

describe('splitInput', () => {
  it('cuts 20 MB into pieces under the limit that join back to the same text', () => {
    const text = 'abcdefghij'.repeat(2_000_000);
    const pieces = splitInput(text);
    expect(pieces.every((p) => p.length <= TERMINAL_WRITE_MAX_CHARS)).toBe(true);
    expect(pieces.join('')).toBe(text);
    expect(pieces).toHaveLength(Math.ceil(text.length / TERMINAL_WRITE_MAX_CHARS));
  });

  it('never splits a surrogate pair', () => {
    const text = `${'a'.repeat(TERMINAL_WRITE_MAX_CHARS - 1)}😀${'b'.repeat(10)}`;
    const pieces = splitInput(text);
    expect(pieces[0]).toHaveLength(TERMINAL_WRITE_MAX_CHARS - 1);
    expect(pieces[1].startsWith('😀')).toBe(true);
    expect(pieces.join('')).toBe(text);
    expect(splitInput('')).toEqual([]);
  });
});
