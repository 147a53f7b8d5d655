// One terminal tab: its xterm (kept outside React so switching tabs keeps the screen and scrollback)
// and what the registry knows of its session on a host.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { TERMINAL_OPTIONS } from './options';
import { newOutputState, type OutputState } from './output-queue';
import type { InputPiece } from './input-queue';

export interface ShellOptions {
  mode: 'shell' | 'login';
  user?: string;
  command?: string[];
}

export type TabStatus = 'connecting' | 'open' | 'ended';

export interface TerminalTab {
  key: string;
  title: string;
  /** The host the session runs on (its id in the hub's list). */
  host: string;
  machine: string;
  opts: ShellOptions;
  status: TabStatus;
  endReason?: string;
  backendId?: string;
  /** Lets this window re-attach the session after a reload, a dropped connection or a pop-out. */
  token?: string;
  term: Terminal;
  fit: FitAddon;
  search: SearchAddon;
  element: HTMLDivElement;
  opened: boolean;
  written: number;
  acked: number;
  /** Input not yet sent, in pieces the backend accepts; sent one at a time, in order. */
  input: InputPiece[];
  sending: boolean;
  /** Output on its way to the screen (output-queue.ts). */
  out: OutputState;
  /** Draws at once what a flood's pacing holds back (xterm-internals.ts, paceRendering). */
  drawNow?: () => void;
}

export function titleOf(machine: string, opts: ShellOptions): string {
  return opts.mode === 'login' ? `${machine} (login)` : opts.user && opts.user !== 'root' ? `${opts.user}@${machine}` : machine;
}

/** `title`, or `title (2)`, `(3)`…: two tabs never carry the same name (web on two hosts). */
export function uniqueTitle(title: string, taken: string[]): string {
  if (!taken.includes(title)) return title;
  for (let n = 2; ; n++) if (!taken.includes(`${title} (${n})`)) return `${title} (${n})`;
}

let nextKey = 1;

export function createTab(host: string, machine: string, opts: ShellOptions, screenReader: boolean): TerminalTab {
  const term = new Terminal({ ...TERMINAL_OPTIONS, screenReaderMode: screenReader });
  const fit = new FitAddon();
  const search = new SearchAddon();
  term.loadAddon(fit);
  term.loadAddon(search);
  term.loadAddon(new WebLinksAddon());
  term.loadAddon(new Unicode11Addon());
  term.unicode.activeVersion = '11';
  const element = document.createElement('div');
  element.style.height = '100%';
  return {
    key: `tab${nextKey++}`, title: titleOf(machine, opts), host, machine, opts, status: 'connecting', term, fit, search, element,
    opened: false, written: 0, acked: 0, input: [], sending: false, out: newOutputState(),
  };
}
