// The app's keyboard shortcuts, in one place: the window's listener acts on them, and a terminal
// hands them over instead of sending them to the shell (so Ctrl+PageDown never types "5~").
// Each has a browser-safe twin (Alt+Shift+…), since in web mode the browser keeps Ctrl+Shift+T/W
// and Ctrl+PageUp/PageDown for its own tabs.
export type Shortcut = 'newShell' | 'closeTab' | 'nextTab' | 'prevTab' | 'leaveTerminal' | 'help';

export interface KeyLike { key: string; code: string; ctrlKey: boolean; shiftKey: boolean; altKey: boolean; metaKey: boolean }

export function shortcutOf(e: KeyLike, inText = false): Shortcut | undefined {
  if (e.metaKey) return undefined;
  const ctrlShift = e.ctrlKey && e.shiftKey && !e.altKey;
  const altShift = e.altKey && e.shiftKey && !e.ctrlKey;
  if ((ctrlShift || altShift) && e.code === 'KeyT') return 'newShell';
  if ((ctrlShift || altShift) && e.code === 'KeyW') return 'closeTab';
  if (e.ctrlKey && !e.shiftKey && !e.altKey && e.key === 'PageDown') return 'nextTab';
  if (e.ctrlKey && !e.shiftKey && !e.altKey && e.key === 'PageUp') return 'prevTab';
  if (altShift && e.key === 'ArrowRight') return 'nextTab';
  if (altShift && e.key === 'ArrowLeft') return 'prevTab';
  if (e.key === 'F6' && !e.ctrlKey && !e.altKey) return 'leaveTerminal';
  if (e.key === 'F1' && !e.ctrlKey && !e.altKey && !e.shiftKey) return 'help';
  if (e.key === '?' && !inText && !e.ctrlKey && !e.altKey) return 'help';
  return undefined;
}

/** For the help overlay and the README: what each does, and its keys. */
export const SHORTCUT_HELP: { keys: string; what: string }[] = [
  { keys: 'Ctrl+Shift+T or Alt+Shift+T', what: 'New shell (on the machine the list has focused)' },
  { keys: 'Ctrl+Shift+W or Alt+Shift+W', what: 'Close the shell tab' },
  { keys: 'Ctrl+PageDown / Ctrl+PageUp, or Alt+Shift+→ / Alt+Shift+←', what: 'Next / previous tab' },
  { keys: 'F6', what: 'Leave the terminal: focus moves to the tabs (Tab and Shift+Tab go on from there)' },
  { keys: 'Ctrl+Shift+C / Ctrl+Shift+V', what: 'Copy the selection / paste, in a terminal' },
  { keys: 'F1, or ? outside a terminal or text field', what: 'This list' },
];
