// A tab's output on its way to the screen. xterm is fed a slice at a time, so output not drawn yet
// can still be dropped: on an interrupt (Ctrl-C at a shell) everything queued before it goes, as a
// tty's own output flush does, until the backend's terminal.flushed marks where output made after
// the interrupt begins. Every char is acked once drawn or dropped (flow control stays exact).
import { FLOW } from '../../../shared/contract';
import type { TerminalTab } from './terminal-tab';
import { boundAnnouncements } from './xterm-internals';

/** Chars handed to xterm and not yet drawn, at most: what an interrupt can no longer take back. */
export const IN_XTERM_MAX = 128 * 1024;
/** ... and at most what xterm draws in this long (its speed varies 20-fold, e.g. screen reader
 * mode), so that the prompt after a Ctrl-C waits for no more than that. Holding less costs no
 * speed: xterm calls a write's callback within its parse slice, and the next write given there is
 * parsed in the same slice (at 20 ms, Ctrl-C → prompt drawn was p50 60 / p95 75-101 ms; at 8,
 * 46 / 65). */
export const IN_XTERM_MS = 8;
const IN_XTERM_MIN = 4 * 1024;

export interface OutputState {
  queue: string[];
  inXterm: number;
  /** An interrupt was sent and its flush marker has not come back: output arriving is pre-interrupt. */
  discarding: boolean;
  /** How fast xterm takes output in, chars per ms (a moving average over its writes). */
  rate: number;
  /** When xterm last finished a write (its writes finish in order). */
  lastDone: number;
}

export const newOutputState = (): OutputState => ({ queue: [], inXterm: 0, discarding: false, rate: IN_XTERM_MAX / IN_XTERM_MS, lastDone: 0 });

/** How many chars xterm may hold now. */
export function inXtermLimit(out: OutputState): number {
  return Math.max(IN_XTERM_MIN, Math.min(IN_XTERM_MAX, out.rate * IN_XTERM_MS));
}

/** A write finished: its time from when xterm could start on it gives xterm's speed. */
export function measured(out: OutputState, chars: number, issuedAt: number, now: number): void {
  const busy = now - Math.max(issuedAt, out.lastDone);
  out.lastDone = now;
  if (busy >= 1) out.rate = 0.7 * out.rate + 0.3 * (chars / busy);
}

type Ack = (chars: number) => void;

/** Counts drawn or dropped output and acks it in ACK_CHARS steps (also after the session ended:
 * the backend ignores it, and benchmarks count it). */
export function ackerOf(tab: TerminalTab, send: (chars: number) => void): Ack {
  return (chars) => {
    tab.written += chars;
    if (tab.written - tab.acked >= FLOW.ACK_CHARS) {
      const n = tab.written - tab.acked;
      tab.acked = tab.written;
      send(n);
    }
  };
}

export function receive(tab: TerminalTab, data: string, ack: Ack): void {
  if (tab.out.discarding) return ack(data.length);
  tab.out.queue.push(data);
  pump(tab, ack);
}

function pump(tab: TerminalTab, ack: Ack): void {
  const out = tab.out;
  let limit = inXtermLimit(out);
  while (out.queue.length && out.inXterm < limit) {
    // A batch larger than xterm may hold goes in slices (xterm's parser takes a sequence or a
    // character split across writes).
    let data = out.queue[0];
    const room = Math.max(IN_XTERM_MIN, limit - out.inXterm);
    if (data.length > room) {
      out.queue[0] = data.slice(room);
      data = data.slice(0, room);
    } else out.queue.shift();
    out.inXterm += data.length;
    if (tab.term.options.screenReaderMode) boundAnnouncements(tab.term, LIVE_REGION_MAX / 2);
    const issuedAt = performance.now();
    tab.term.write(data, () => {
      if (tab.term.options.screenReaderMode) boundLiveRegion(tab);
      measured(out, data.length, issuedAt, performance.now());
      out.inXterm -= data.length;
      ack(data.length);
      pump(tab, ack);
      if (!out.queue.length && !out.inXterm) drained(tab);
    });
    limit = inXtermLimit(out);
  }
}

/** Marks when a tab's output is all taken in by xterm (the bench times floods to it); only the
 * latest is kept. */
export const DRAINED_MARK = 'terminal.drained';

function drained(tab: TerminalTab): void {
  tab.drawNow?.();
  performance.clearMarks(DRAINED_MARK);
  performance.mark(DRAINED_MARK);
}

/** Longest text the screen reader's live region keeps: xterm's grows without bound on output
 * without newlines (13 million characters in a one-line flood, and every frame rewrote it all). */
export const LIVE_REGION_MAX = 2000;
const bounded = new WeakSet<Element>();

/** Keeps xterm's live region (screen reader mode) to its last LIVE_REGION_MAX / 2 characters. */
function boundLiveRegion(tab: TerminalTab): void {
  const region = tab.element.querySelector('.xterm-accessibility .live-region, .live-region');
  if (!region || bounded.has(region)) return;
  bounded.add(region);
  const trim = () => {
    const text = region.textContent ?? '';
    if (text.length > LIVE_REGION_MAX) region.textContent = `… ${text.slice(-LIVE_REGION_MAX / 2)}`;
  };
  // Runs right after each of xterm's updates, before the accessibility tree reads it.
  new MutationObserver(trim).observe(region, { childList: true, characterData: true, subtree: true });
  trim();
}

/** How often a flood is drawn (xterm-internals.ts, paceRendering): 20 times a second. */
export const FLOOD_FRAME_MS = 50;

/** A write this large still in xterm means a flood: an echo, a prompt or a screen update is smaller. */
export const FLOOD_IN_XTERM = 16 * 1024;

/**
 * Output comes faster than xterm takes it in: more waits beyond what it holds, or xterm still
 * holds a flood's worth. The queue alone was not enough: in a flood of lines xterm often has room
 * for all that came, so the queue stayed empty and the flood was drawn on every frame (~250 draws
 * asked for per 16 MiB instead of ~70). An interrupt empties the queue, and the prompt after it
 * is a small write, so it is drawn at once.
 */
export const flooding = (out: OutputState): boolean => out.queue.length > 0 || out.inXterm >= FLOOD_IN_XTERM;

/** Whether input interrupts a shell: a Ctrl-C on the normal screen (a full-screen program reads it as a key). */
export function interrupts(tab: TerminalTab, data: string): boolean {
  return data.includes('\x03') && tab.term.buffer.active.type === 'normal';
}

/** The person interrupted: drop what is not drawn yet, and what arrives until the marker. */
export function interrupt(tab: TerminalTab, ack: Ack): void {
  const dropped = tab.out.queue.reduce((n, d) => n + d.length, 0);
  tab.out.queue = [];
  tab.out.discarding = true;
  if (dropped) ack(dropped);
  // For the bench: where the time from Ctrl-C to the prompt goes.
  performance.mark('terminal.interrupt', { detail: { dropped, inXterm: tab.out.inXterm } });
}

/** The backend's marker: output from here on was made after the interrupt. */
export function flushed(tab: TerminalTab): void {
  tab.out.discarding = false;
  performance.mark('terminal.flushed', { detail: { inXterm: tab.out.inXterm } });
}
