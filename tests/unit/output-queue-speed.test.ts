import { describe, expect, it } from 'vitest';
import { IN_XTERM_MAX, IN_XTERM_MS, inXtermLimit, measured, newOutputState } from '../../renderer/src/terminals/output-queue';

// How much output the app hands xterm ahead: what a Ctrl-C can no longer drop, so the prompt
// waits for it. It follows xterm's measured speed.
describe('output handed to xterm ahead', () => {
  it('starts at the most, and shrinks when xterm turns slow (screen reader mode), so an interrupt waits no more than IN_XTERM_MS', () => {
    const out = newOutputState();
    expect(inXtermLimit(out)).toBe(IN_XTERM_MAX);
    // xterm takes 64 KB a write, 50 ms each: 1,300 chars/ms.
    let t = 0;
    for (let i = 0; i < 30; i++) {
      const issued = t;
      t += 50;
      measured(out, 65536, issued, t);
    }
    expect(out.rate).toBeCloseTo(65536 / 50, 0);
    expect(inXtermLimit(out)).toBeCloseTo((65536 / 50) * IN_XTERM_MS, -2);
    expect(inXtermLimit(out)).toBeLessThan(IN_XTERM_MAX / 4);
  });

  it('grows back when xterm is fast again, and never below a floor when it stalls', () => {
    const out = newOutputState();
    let t = 0;
    for (let i = 0; i < 30; i++) measured(out, 100, t, (t += 1000)); // a stalled tab: 0.1 chars/ms
    expect(inXtermLimit(out)).toBe(4096);
    for (let i = 0; i < 30; i++) measured(out, 65536, t, (t += 2)); // 32,000 chars/ms
    expect(inXtermLimit(out)).toBe(IN_XTERM_MAX);
  });

  it('counts a write from when xterm could start it: after the one before, not from when it was queued', () => {
    const out = newOutputState();
    measured(out, 1000, 0, 100); // the first took 100 ms
    const before = out.rate;
    measured(out, 1000, 0, 110); // queued at 0 behind it, done 10 ms after: 100 chars/ms
    expect(out.rate).toBeCloseTo(0.7 * before + 0.3 * 100, 5);
  });
});
