// What the machine list tells windows: the first change at once, later ones coalesced (EMIT_MS),
// as a delta of the machines that changed, or as the whole list after a re-read or a large burst.
// A machine that appeared goes out at once while appearances come no faster than one every
// APPEAR_MS on average (a token bucket; a burst beyond that coalesces); after a whole list, the
// next waits in proportion to its size, so a window with thousands of rows is never sent a list
// faster than it can draw one.
import type { Machine, MachineDelta } from '../../shared/machine.js';

/** Events to windows at most this often while changes keep coming (the first goes at once). */
const EMIT_MS = 50;
/** Appearances sent at once: one per this many ms on average, up to APPEAR_BURST in a row. Only
 * an appearance right after the last one waited before (it had to be 50 ms later), and a person
 * registering machines one by one saw rows up to 50 ms late. */
const APPEAR_MS = 25;
const APPEAR_BURST = 3;
/** More changed machines than this go out as the whole list rather than a delta. */
const DELTA_MAX = 256;
/** After a whole list of N machines, the next event waits at least N / this many ms. */
const FULL_LIST_ROWS_PER_MS = 40;

export class ChangeFeed {
  private timer?: NodeJS.Timeout;
  private lastEmit = 0;
  private tokens = APPEAR_BURST;
  private tokensAt = 0;
  /** The timer set is one for an appearance, going at once. */
  private timerAtOnce = false;
  private gap = EMIT_MS;
  private urgent = false;
  private names = new Set<string>();
  private all = false;

  constructor(private readonly out: {
    ready(): boolean;
    list(): Machine[];
    /** The machine as listed now, or undefined when it is gone. */
    one(name: string): Machine | undefined;
    full(list: Machine[]): void;
    delta(d: MachineDelta): void;
  }) {}

  /** One machine changed (or went away). */
  changed(name: string): void {
    this.names.add(name);
  }

  /** A machine appeared: its row should show now. */
  appeared(name: string): void {
    this.names.add(name);
    this.urgent = true;
  }

  /** Everything was read afresh. */
  changedAll(): void {
    this.all = true;
  }

  schedule(): void {
    if (this.timer && this.timerAtOnce) return;
    const now = Date.now();
    const atOnce = this.urgent && this.takeToken(now);
    if (this.timer && !atOnce) return;
    clearTimeout(this.timer);
    this.timerAtOnce = atOnce;
    this.timer = setTimeout(() => this.flush(), atOnce ? 0 : Math.max(0, this.lastEmit + this.gap - now));
  }

  private takeToken(now: number): boolean {
    this.tokens = Math.min(APPEAR_BURST, this.tokens + (now - this.tokensAt) / APPEAR_MS);
    this.tokensAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private flush(): void {
    this.timer = undefined;
    this.timerAtOnce = false;
    if (!this.out.ready()) return;
    this.lastEmit = Date.now();
    this.urgent = false;
    this.gap = EMIT_MS;
    const names = [...this.names];
    this.names.clear();
    if (this.all || names.length > DELTA_MAX) {
      this.all = false;
      const list = this.out.list();
      this.gap = Math.max(EMIT_MS, list.length / FULL_LIST_ROWS_PER_MS);
      this.out.full(list);
      return;
    }
    const upsert: Machine[] = [];
    const remove: string[] = [];
    for (const n of names) {
      const m = this.out.one(n);
      if (m) upsert.push(m);
      else remove.push(n);
    }
    if (upsert.length || remove.length) this.out.delta({ upsert, remove });
  }
}
