// What the machine list tells windows: the first change at once, later ones coalesced (EMIT_MS),
// as a delta of the machines that changed, or as the whole list after a re-read or a large burst.
import type { Machine, MachineDelta } from '../../shared/machine.js';

/** Events to windows at most this often while changes keep coming (the first goes at once). */
const EMIT_MS = 50;
/** More changed machines than this go out as the whole list rather than a delta. */
const DELTA_MAX = 256;

export class ChangeFeed {
  private timer?: NodeJS.Timeout;
  private lastEmit = 0;
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

  /** Everything was read afresh. */
  changedAll(): void {
    this.all = true;
  }

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastEmit + EMIT_MS - Date.now()));
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private flush(): void {
    this.timer = undefined;
    if (!this.out.ready()) return;
    this.lastEmit = Date.now();
    const names = [...this.names];
    this.names.clear();
    if (this.all || names.length > DELTA_MAX) {
      this.all = false;
      this.out.full(this.out.list());
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
