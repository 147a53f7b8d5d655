// Sessions this window popped out, watched until their window closes: then the session (if it
// still runs) comes back here. The re-attach token the session was opened with is what brings it
// back; the agent moves a session to whichever window shows that token.
import type { ShellOptions } from './terminal-tab';

export interface PoppedSession {
  host: string;
  machine: string;
  title: string;
  opts: ShellOptions;
  id: string;
  token: string;
}

/** How often a popped-out window is checked: `closed` has no event across windows. */
const POLL_MS = 500;

export class PopoutWatch {
  private readonly watched = new Map<Window, PoppedSession>();
  private timer?: ReturnType<typeof setInterval>;

  constructor(private readonly takeBack: (s: PoppedSession) => Promise<boolean>) {}

  watch(win: Window, s: PoppedSession): void {
    this.watched.set(win, s);
    this.timer ??= setInterval(() => this.poll(), POLL_MS);
  }

  private poll(): void {
    for (const [win, s] of this.watched) {
      if (!win.closed) continue;
      this.watched.delete(win);
      void this.takeBack(s);
    }
    if (!this.watched.size) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
