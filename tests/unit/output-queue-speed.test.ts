import { describe, expect, it } from 'vitest';
import { IN_XTERM_MAX, inXtermLimit, measured, newOutputState } from '../../renderer/src/terminals/output-queue';

// How much output the app hands xterm ahead: what a Ctrl-C can no longer drop, so the prompt
// waits for it. It follows xterm's measured speed.
describe('output handed to xterm ahead', () => {
  it('starts at the most, and shrinks when xterm turns slow (screen reader mode), so an interrupt waits ~20 ms', () => {
    const out = newOutputState();
    expect(inXtermLimit(out)).toBe(IN_XTERM_MAX);
    // xterm takes 64 KB a write, 200 ms each: 330 chars/ms.
    let t = 0;
    for (let i = 0; i < 30; i++) {
      const issued = t;
      t += 200;
      measured(out, 65536, issued, t);
    }
    expect(out.rate).toBeCloseTo(65536 / 200, 0);
    expect(inXtermLimit(out)).toBeCloseTo((65536 / 200) * 20, -2);
  });

  it('grows back when xterm is fast again, and never below a floor when it stalls', () => {
    const out = newOutputState();
    let t = 0;
    for (let i = 0; i < 30; i++) measured(out, 100, t, (t += 1000)); // a stalled tab: 0.1 chars/ms
    expect(inXtermLimit(out)).toBe(4096);
    for (let i = 0; i < 30; i++) measured(out, 65536, t, (t += 5)); // 13,000 chars/ms
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
