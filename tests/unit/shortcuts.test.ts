// The app's keys: each shortcut in both spellings, and the keys a shell needs stay the shell's.
import { describe, expect, it } from 'vitest';
import { shortcutOf, type KeyLike } from '../../renderer/src/keyboard/shortcuts';

const k = (key: string, code: string, mods: Partial<KeyLike> = {}): KeyLike => ({ key, code, ctrlKey: false, shiftKey: false, altKey: false, metaKey: false, ...mods });

describe('shortcutOf', () => {
  it.each([
    [k('T', 'KeyT', { ctrlKey: true, shiftKey: true }), 'newShell'], [k('T', 'KeyT', { altKey: true, shiftKey: true }), 'newShell'],
    [k('W', 'KeyW', { ctrlKey: true, shiftKey: true }), 'closeTab'], [k('W', 'KeyW', { altKey: true, shiftKey: true }), 'closeTab'],
    [k('PageDown', 'PageDown', { ctrlKey: true }), 'nextTab'], [k('PageUp', 'PageUp', { ctrlKey: true }), 'prevTab'],
    [k('ArrowRight', 'ArrowRight', { altKey: true, shiftKey: true }), 'nextTab'], [k('ArrowLeft', 'ArrowLeft', { altKey: true, shiftKey: true }), 'prevTab'],
    [k('F6', 'F6'), 'leaveTerminal'], [k('F1', 'F1'), 'help'], [k('?', 'Slash', { shiftKey: true }), 'help'],
  ])('%o → %s', (e, s) => expect(shortcutOf(e)).toBe(s));

  it('leaves the shell its keys', () => {
    for (const e of [
      k('c', 'KeyC', { ctrlKey: true }), k('w', 'KeyW', { ctrlKey: true }), k('t', 'KeyT', { ctrlKey: true }), k('PageDown', 'PageDown'),
      k('b', 'KeyB', { altKey: true }), k('ArrowRight', 'ArrowRight', { ctrlKey: true }), k('PageDown', 'PageDown', { shiftKey: true }),
    ]) expect(shortcutOf(e)).toBeUndefined();
    // ? is text in a terminal or a field.
    expect(shortcutOf(k('?', 'Slash', { shiftKey: true }), true)).toBeUndefined();
  });
});
