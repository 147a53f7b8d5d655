// The agent's machine-list feed: when windows are told, and whether as a delta or a whole list.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeFeed } from '../../agent/machines/change-feed';
import type { Machine, MachineDelta } from '../../shared/machine';

const row = (name: string) => ({ name, state: 'running' } as unknown as Machine);

function feedOf(count: number) {
  const rows = new Map(Array.from({ length: count }, (_, i) => [`m${i}`, row(`m${i}`)]));
  const sent: { at: number; full?: number; delta?: MachineDelta }[] = [];
  const feed = new ChangeFeed({
    ready: () => true,
    list: () => [...rows.values()],
    one: (n) => rows.get(n),
    full: (list) => sent.push({ at: Date.now(), full: list.length }),
    delta: (d) => sent.push({ at: Date.now(), delta: d }),
  });
  /** A machine appeared (machined's MachineNew), as the service reports it. */
  const appear = (name: string) => {
    rows.set(name, row(name));
    feed.appeared(name);
    feed.schedule();
  };
  return { rows, sent, feed, appear };
}

describe('ChangeFeed', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('sends the first change at once and coalesces the ones right after it', () => {
    const { sent, feed } = feedOf(10);
    feed.changed('m1');
    feed.schedule();
    vi.advanceTimersByTime(0);
    expect(sent).toHaveLength(1);
    feed.changed('m2');
    feed.schedule();
    feed.changed('m3');
    feed.schedule();
    vi.advanceTimersByTime(49);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent[1].delta?.upsert.map((m) => m.name)).toEqual(['m2', 'm3']);
  });

  it('sends a machine that appeared at once even right after another change', () => {
    const { sent, feed, appear } = feedOf(10);
    feed.changed('m1');
    feed.schedule();
    vi.advanceTimersByTime(0);
    appear('new');
    vi.advanceTimersByTime(0);
    expect(sent.map((s) => s.delta?.upsert.map((m) => m.name))).toEqual([['m1'], ['new']]);
  });

  it('coalesces a burst of appearances beyond the first few', () => {
    const { sent, appear } = feedOf(0);
    for (let i = 0; i < 20; i++) {
      appear(`n${i}`);
      vi.advanceTimersByTime(2);
    }
    vi.advanceTimersByTime(100);
    expect(sent.length).toBeLessThanOrEqual(6);
    expect(sent.flatMap((s) => s.delta?.upsert.map((m) => m.name) ?? [])).toHaveLength(20);
  });

  it('sends each appearance at once when they come a few tens of ms apart (machines registered one by one)', () => {
    const { sent, appear } = feedOf(0);
    for (let i = 0; i < 40; i++) {
      appear(`n${i}`);
      vi.advanceTimersByTime(0);
      expect(sent).toHaveLength(i + 1);
      vi.advanceTimersByTime(30);
    }
  });

  it('after a whole list of 10,000 machines waits in proportion before the next event', () => {
    const { sent, feed } = feedOf(10_000);
    feed.changedAll();
    feed.schedule();
    vi.advanceTimersByTime(0);
    expect(sent[0].full).toBe(10_000);
    feed.changed('m5');
    feed.schedule();
    vi.advanceTimersByTime(200);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(60);
    expect(sent).toHaveLength(2);
    expect(sent[1].at - sent[0].at).toBe(250);
  });

  it('tells that a machine went away', () => {
    const { rows, sent, feed } = feedOf(3);
    rows.delete('m1');
    feed.changed('m1');
    feed.schedule();
    vi.advanceTimersByTime(0);
    expect(sent[0].delta).toEqual({ upsert: [], remove: ['m1'] });
  });
});
