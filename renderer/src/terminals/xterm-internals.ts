// Runs in the renderer: costs of xterm.js 6 that it has no option for, taken off through its
// internals (its version is pinned in package-lock.json). Each step checks the shape it expects and
// otherwise leaves xterm as it is and says so once on the console; an e2e test fails on that line,
// so an upgrade that moves these internals is noticed.
import type { Terminal } from '@xterm/xterm';

type Selection = [number, number] | undefined;

interface Internals {
  _core?: {
    _renderService?: { handleSelectionChanged?: (start: Selection, end: Selection, columnSelectMode: boolean) => void };
    _accessibilityManager?: { value?: { _handleChar?: (char: string) => void; _charsToAnnounce?: string } };
    _selectionService?: { refresh?: (isLinuxMouseSelection?: boolean) => void };
    _viewport?: { queueSync?: (ydisp?: number) => void; _sync?: (ydisp?: number) => void };
  };
}

export const INTERNALS_CHANGED = 'nspawn-desktop: xterm.js internals are not as expected';
let warned = false;

function changed(what: string): void {
  if (warned) return;
  warned = true;
  console.warn(`${INTERNALS_CHANGED} (${what}); terminals work, but floods are slower`);
}

/**
 * xterm's DOM renderer clears the selection layer and redraws every row again on each scroll, even
 * when nothing is selected (about a tenth of a flood of lines): the redraw is skipped while there
 * was no selection and still is none. Its selection service also asks for an animation frame on
 * each scrolled line to redraw the selection: not asked while there is none and none is drawn (in
 * a flood, half of the page's frames). A selection made, moved or cleared still redraws.
 */
export function skipEmptySelectionRedraw(term: Terminal): void {
  const core = (term as unknown as Internals)._core;
  const rs = core?._renderService;
  const original = rs?.handleSelectionChanged;
  const sel = core?._selectionService;
  const refresh = sel?.refresh;
  if (!rs || typeof original !== 'function') return changed('render service');
  let had = true;
  rs.handleSelectionChanged = (start, end, columnSelectMode) => {
    const has = !!(start && end);
    if (!has && !had) return;
    had = has;
    original.call(rs, start, end, columnSelectMode);
  };
  if (!sel || typeof refresh !== 'function') return changed('selection service');
  let askedNone = false;
  sel.refresh = (isLinuxMouseSelection) => {
    const none = !term.hasSelection();
    if (none && askedNone) return;
    askedNone = none;
    refresh.call(sel, isLinuxMouseSelection);
  };
}

const tuned = new WeakSet<object>();

/**
 * In screen reader mode xterm appends every printed char to the text it announces next (at most
 * once a second during output): 16 million one-char strings in a one-line flood, and garbage
 * collection took a quarter of it. Only the last `keep` chars are kept, as the live region keeps
 * only that many anyway. The accessibility manager is made anew each time the mode is turned on.
 */
export function boundAnnouncements(term: Terminal, keep: number): void {
  const holder = (term as unknown as Internals)._core?._accessibilityManager;
  if (!holder || !('value' in holder)) return changed('accessibility manager holder');
  const am = holder.value;
  // None before the terminal is opened.
  if (!am || tuned.has(am)) return;
  tuned.add(am);
  const original = am._handleChar;
  if (typeof original !== 'function' || typeof am._charsToAnnounce !== 'string') return changed('accessibility manager');
  am._handleChar = (char) => {
    original.call(am, char);
    // Cut at twice the size, so the slice runs once per `keep` chars, not on each.
    if (am._charsToAnnounce!.length > 2 * keep) am._charsToAnnounce = am._charsToAnnounce!.slice(-keep);
  };
}

interface Debouncer {
  refresh?: (start: number | undefined, end: number | undefined, rowCount: number) => void;
  dispose?: () => void;
}

/**
 * While output comes faster than xterm takes it in (`flooding`), its rows are drawn at most once
 * every `minMs` instead of on every frame: each draw of a full DOM screen costs several ms of
 * style, layout and paint on the page's thread, which the flood's parsing needs, and text
 * scrolling past at 60 frames a second is not read anyway. The scroll bar, which xterm updates
 * on each scrolled line (restyling its slider, and asking for a frame), and the hidden text area
 * that follows the cursor for input methods are updated with the same draw (a flood of lines had
 * ~150 layouts of the page, now ~60). Any draw asked for when the flood is over (the prompt after
 * it, an echo, a Ctrl-C) goes at once. Returns what draws the held-back rest at once, for when the
 * flood's last output has been taken in.
 */
export function paceRendering(term: Terminal, flooding: () => boolean, minMs: number): () => void {
  const core = (term as unknown as { _core?: { _renderService?: { _renderDebouncer?: Debouncer; _renderRows?: unknown }; _syncTextArea?: () => void } & Internals['_core'] })._core;
  const rs = core?._renderService;
  const deb = rs?._renderDebouncer;
  const refresh = deb?.refresh;
  const dispose = deb?.dispose;
  const vp = core?._viewport;
  const queueSync = vp?.queueSync;
  const syncNow = vp?._sync;
  const syncTextArea = core?._syncTextArea;
  const nothing = () => undefined;
  if (!core || !rs || !deb || typeof refresh !== 'function' || typeof dispose !== 'function' || typeof rs._renderRows !== 'function') return (changed('render debouncer'), nothing);
  if (!vp || typeof queueSync !== 'function' || typeof syncNow !== 'function') return (changed('viewport'), nothing);
  if (typeof syncTextArea !== 'function') return (changed('text area'), nothing);
  let lastAsked = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let start: number | undefined;
  let end: number | undefined;
  let rows = 0;
  // What waits for the draw: the scroll bar's frame (with the line asked for, if any), its
  // restyle, and the text area's move.
  let syncQueued = false;
  let syncLine: number | undefined;
  let synced = true;
  let textAreaSynced = true;
  const pass = () => {
    clearTimeout(timer);
    timer = undefined;
    lastAsked = performance.now();
    const [s, e, queued, line] = [start, end, syncQueued, syncLine];
    start = end = syncLine = undefined;
    syncQueued = false;
    if (!synced) {
      synced = true;
      syncNow.call(vp);
    }
    if (!textAreaSynced) {
      textAreaSynced = true;
      syncTextArea.call(core);
    }
    // Both go into the render service's one animation frame.
    if (queued) queueSync.call(vp, line);
    if (s !== undefined) refresh.call(deb, s, e, rows);
  };
  // Runs several times per scrolled line in a flood: a draw already due is the common case.
  const paced = () => {
    if (timer !== undefined && flooding()) return;
    const wait = minMs - (performance.now() - lastAsked);
    if (wait <= 0 || !flooding()) pass();
    else timer ??= setTimeout(pass, wait);
  };
  deb.refresh = (s, e, rowCount) => {
    rows = rowCount;
    const s1 = s ?? 0;
    const e1 = e ?? rowCount - 1;
    start = start === undefined ? s1 : Math.min(start, s1);
    end = end === undefined ? e1 : Math.max(end, e1);
    paced();
  };
  vp.queueSync = (ydisp) => {
    syncQueued = true;
    syncLine = ydisp ?? syncLine;
    paced();
  };
  // The hidden text area follows the cursor (for input methods) on each of its moves.
  core._syncTextArea = () => {
    if (!flooding()) return syncTextArea.call(core);
    textAreaSynced = false;
    paced();
  };
  // Called with no line on each scrolled line; with one, it is a scroll asked for: at once.
  vp._sync = (ydisp) => {
    if (ydisp !== undefined || !flooding()) return syncNow.call(vp, ydisp);
    synced = false;
    paced();
  };
  deb.dispose = () => {
    clearTimeout(timer);
    dispose.call(deb);
  };
  // The flood is over and all of it is in: no need to wait for the next paced draw.
  return () => {
    if (timer !== undefined) pass();
  };
}
