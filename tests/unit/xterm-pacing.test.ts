import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Terminal } from '@xterm/xterm';
import { paceRendering } from '../../renderer/src/terminals/xterm-internals';

// During a flood xterm asks, on every scrolled line, to restyle its scroll bar, to move its hidden
// text area to the cursor and for an animation frame; paced, each happens once per drawn frame.
// The objects stand in for xterm's internals with the names and shapes xterm 6 has (an e2e test
// says when a real xterm no longer has them).
function fakeXterm() {
  const calls = { rows: 0, scrollBarNow: [] as (number | undefined)[], scrollBarFrame: 0, textArea: 0 };
  const core = {
    _renderService: { _renderRows: () => undefined, _renderDebouncer: { refresh: () => { calls.rows++; }, dispose: () => undefined } },
    _viewport: { queueSync: () => { calls.scrollBarFrame++; }, _sync: (ydisp?: number) => { calls.scrollBarNow.push(ydisp); } },
    _syncTextArea: () => { calls.textArea++; },
  };
  return { term: { _core: core } as unknown as Terminal, core, calls };
}

/** What xterm does for each line a flood scrolls. */
function scrollLine(core: ReturnType<typeof fakeXterm>['core']): void {
  core._viewport._sync();
  core._viewport.queueSync();
  core._syncTextArea();
  core._renderService._renderDebouncer.refresh();
}

describe('a flood is drawn, scroll bar included, once per frame', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('holds the scroll bar and text area back while flooding, and updates them with the next draw', () => {
    const { term, core, calls } = fakeXterm();
    let flooding = true;
    paceRendering(term, () => flooding, 50);
    scrollLine(core); // the flood's first line: its scroll bar goes at once, the rest waits
    const first = { rows: 0, scrollBarNow: [undefined], scrollBarFrame: 0, textArea: 0 };
    expect(calls).toEqual(first);
    for (let i = 0; i < 1000; i++) scrollLine(core);
    expect(calls).toEqual(first);
    vi.advanceTimersByTime(50);
    expect(calls).toEqual({ rows: 1, scrollBarNow: [undefined, undefined], scrollBarFrame: 1, textArea: 1 });
    // The flood ends between two draws: what it held back is drawn by the timer.
    scrollLine(core);
    flooding = false;
    vi.advanceTimersByTime(50);
    expect(calls).toEqual({ rows: 2, scrollBarNow: [undefined, undefined, undefined], scrollBarFrame: 2, textArea: 2 });
    // After it, each goes at once.
    scrollLine(core);
    expect(calls).toEqual({ rows: 3, scrollBarNow: [undefined, undefined, undefined, undefined], scrollBarFrame: 3, textArea: 3 });
  });

  it('draws what it holds back at once when told the flood is all in', () => {
    const { term, core, calls } = fakeXterm();
    const drawNow = paceRendering(term, () => true, 50);
    scrollLine(core);
    scrollLine(core);
    expect(calls.rows).toBe(0);
    drawNow();
    expect(calls).toEqual({ rows: 1, scrollBarNow: [undefined, undefined], scrollBarFrame: 1, textArea: 1 });
    drawNow(); // nothing held back: nothing drawn
    expect(calls.rows).toBe(1);
  });

  it('scrolls at once to a line asked for, even during a flood', () => {
    const { term, core, calls } = fakeXterm();
    paceRendering(term, () => true, 50);
    scrollLine(core);
    core._viewport._sync(42);
    expect(calls.scrollBarNow).toEqual([undefined, 42]);
  });
});
