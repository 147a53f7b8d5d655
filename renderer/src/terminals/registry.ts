// Terminal sessions live here, outside React, so switching tabs keeps each xterm and its scrollback.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { FLOW } from '../../../shared/contract';
import { sendInput, splitInput } from './input-queue';
import { TERMINAL_OPTIONS } from './options';
import type { Client } from '../transport/client';
import { loadSessions, saveSessions } from './saved-sessions';

export interface ShellOptions {
  mode: 'shell' | 'login';
  user?: string;
  command?: string[];
}

export type TabStatus = 'connecting' | 'open' | 'ended';

export interface TerminalTab {
  key: string;
  title: string;
  machine: string;
  opts: ShellOptions;
  status: TabStatus;
  endReason?: string;
  backendId?: string;
  /** Lets this window re-attach the session after a reload or a dropped connection. */
  token?: string;
  term: Terminal;
  fit: FitAddon;
  search: SearchAddon;
  element: HTMLDivElement;
  opened: boolean;
  written: number;
  acked: number;
  /** Input not yet sent, in pieces the backend accepts; sent one at a time, in order. */
  input: string[];
  sending: boolean;
}

export interface TabsSnapshot {
  tabs: readonly TerminalTab[];
  /** Key of the visible tab, or 'machines' for the machine list. */
  active: string;
}

export const MACHINES_TAB = 'machines';

function titleOf(machine: string, opts: ShellOptions): string {
  return opts.mode === 'login' ? `${machine} (login)` : opts.user && opts.user !== 'root' ? `${opts.user}@${machine}` : machine;
}
let nextKey = 1;

export class TerminalRegistry {
  private snapshot: TabsSnapshot = { tabs: [], active: MACHINES_TAB };
  private listeners = new Set<() => void>();
  private byBackendId = new Map<string, TerminalTab>();
  /** xterm's screen reader mode mirrors the terminal text into the accessibility tree. */
  private screenReader = false;
  /** The agent run the sessions belong to (HostInfo.epoch). */
  private epoch?: string;
  /** The main window keeps its sessions here (persistIn); pop-outs keep nothing. */
  private storage?: Storage;

  constructor(private readonly client: Client) {
    client.on('terminal.data', ({ id, data }) => {
      const tab = this.byBackendId.get(id);
      if (!tab) return;
      tab.term.write(data, () => {
        tab.written += data.length;
        // Ack even after the session ended: the backend ignores it, and benchmarks count it.
        if (tab.written - tab.acked >= FLOW.ACK_CHARS) {
          const chars = tab.written - tab.acked;
          tab.acked = tab.written;
          void client.call('terminal.ack', { id, chars }).catch(() => undefined);
        }
      });
    });
    // A new agent epoch: the agent restarted and its sessions ended with it.
    client.on('host.status', ({ epoch, label }) => {
      if (!epoch) return;
      if (this.epoch && epoch !== this.epoch) {
        for (const id of [...this.byBackendId.keys()]) this.ended(id, `the agent on ${label} restarted; this session ended`);
      }
      this.epoch = epoch;
    });
    client.on('terminal.exit', ({ id, reason }) => this.ended(id, reason));
    client.on('terminal.moved', ({ id }) => {
      const tab = this.byBackendId.get(id);
      if (!tab) return;
      this.byBackendId.delete(id);
      tab.backendId = undefined;
      this.close(tab.key);
    });
    // A dropped connection leaves the sessions in the agent for its grace period: re-attach them.
    client.onLink((up) => {
      for (const tab of this.snapshot.tabs) {
        if (tab.status === 'ended') continue;
        if (up && tab.status === 'connecting' && tab.backendId && tab.token) void this.reattach(tab);
        else if (!up && tab.backendId && tab.token) this.update(tab, { status: 'connecting', endReason: 'reconnecting…' });
        else if (!up) {
          if (tab.backendId) this.byBackendId.delete(tab.backendId);
          tab.backendId = undefined;
          this.update(tab, { status: 'ended', endReason: 'lost the connection to the backend' });
        }
      }
    });
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): TabsSnapshot => this.snapshot;

  private set(next: Partial<TabsSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...next };
    for (const fn of this.listeners) fn();
    if (this.storage) {
      saveSessions(this.storage, this.snapshot.tabs.flatMap((t) => (t.status !== 'ended' && t.backendId && t.token
        ? [{ machine: t.machine, title: t.title, ...t.opts, id: t.backendId, token: t.token }] : [])));
    }
  }

  /** Main window only: re-attaches the sessions saved before a reload, then keeps the list saved. */
  persistIn(storage: Storage): void {
    if (this.storage) return; // once per registry (React may run effects twice)
    for (const s of loadSessions(storage)) {
      const tab = this.createTab(s.machine, { mode: s.mode, user: s.user, command: s.command });
      tab.title = s.title;
      tab.backendId = s.id;
      tab.token = s.token;
      void this.reattach(tab);
    }
    this.storage = storage;
    this.set({});
  }

  /** Takes the tab's session back from the agent, with its screen as the agent kept it. */
  private async reattach(tab: TerminalTab): Promise<void> {
    const id = tab.backendId!;
    this.update(tab, { status: 'connecting', endReason: undefined });
    try {
      const r = await this.client.call('terminal.reattach', { id, token: tab.token!, cols: Math.max(2, tab.term.cols), rows: Math.max(1, tab.term.rows) });
      tab.term.reset();
      tab.term.write(r.screen);
      tab.written = 0;
      tab.acked = 0;
      this.byBackendId.set(id, tab);
      this.update(tab, { status: 'open' });
    } catch (e) {
      this.byBackendId.delete(id);
      tab.backendId = undefined;
      tab.term.write(`\r\n\x1b[2m[${(e as Error).message}]\x1b[0m\r\n`);
      this.update(tab, { status: 'ended', endReason: (e as Error).message });
    }
  }

  private update(tab: TerminalTab, patch: Partial<TerminalTab>): void {
    Object.assign(tab, patch);
    this.set({ tabs: [...this.snapshot.tabs] });
  }

  open(machine: string, opts: ShellOptions = { mode: 'shell' }): TerminalTab {
    const tab = this.createTab(machine, opts);
    void this.connect(tab);
    return tab;
  }

  /** In a pop-out window: takes over the session another window offered, with its recent output. */
  async adopt(handoff: string): Promise<TerminalTab | undefined> {
    const tab = this.createTab('…', { mode: 'shell' });
    try {
      const r = await this.client.call('terminal.adopt', { handoff, cols: Math.max(2, tab.term.cols), rows: Math.max(1, tab.term.rows) });
      Object.assign(tab, { machine: r.machine, opts: { mode: r.mode, user: r.user }, title: titleOf(r.machine, { mode: r.mode, user: r.user }) });
      tab.term.write(r.history);
      tab.backendId = r.id;
      this.byBackendId.set(r.id, tab);
      this.update(tab, { status: 'open' });
      void this.client.call('terminal.resize', { id: r.id, cols: tab.term.cols, rows: tab.term.rows }).catch(() => undefined);
      return tab;
    } catch (e) {
      tab.term.write(`\r\n\x1b[31m[could not take over the session: ${(e as Error).message}]\x1b[0m\r\n`);
      this.update(tab, { status: 'ended', endReason: (e as Error).message });
      return tab;
    }
  }

  /** Moves a tab's session into a window of its own; this tab goes once that window has it. */
  async popOut(key: string): Promise<void> {
    const tab = this.snapshot.tabs.find((t) => t.key === key);
    if (!tab?.backendId) return;
    const { handoff } = await this.client.call('terminal.handoff', { id: tab.backendId });
    const params = new URLSearchParams(location.hash.slice(1));
    params.set('popout', handoff);
    const url = `${location.href.split('#')[0]}#${params.toString()}`;
    if (!window.open(url, '_blank', 'popup,width=960,height=640')) {
      tab.term.write('\r\n\x1b[33m[the window could not be opened: pop-ups are blocked]\x1b[0m\r\n');
    }
  }

  private createTab(machine: string, opts: ShellOptions): TerminalTab {
    const term = new Terminal({ ...TERMINAL_OPTIONS, screenReaderMode: this.screenReader });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.loadAddon(new WebLinksAddon());
    term.loadAddon(new Unicode11Addon());
    term.unicode.activeVersion = '11';
    const element = document.createElement('div');
    element.style.height = '100%';
    const title = titleOf(machine, opts);
    const tab: TerminalTab = {
      key: `tab${nextKey++}`, title, machine, opts, status: 'connecting', term, fit, search, element,
      opened: false, written: 0, acked: 0, input: [], sending: false,
    };
    term.onData((data) => {
      if (!tab.backendId) return;
      tab.input.push(...splitInput(data));
      void sendInput(this.client, tab);
    });
    term.onResize(({ cols, rows }) => {
      if (tab.backendId) void this.client.call('terminal.resize', { id: tab.backendId, cols, rows }).catch(() => undefined);
    });
    this.set({ tabs: [...this.snapshot.tabs, tab], active: tab.key });
    return tab;
  }

  /** A session that ended on the backend: its tab stays, marked ended, with the reason. */
  private ended(id: string, reason: string): void {
    const tab = this.byBackendId.get(id);
    if (!tab) return;
    this.byBackendId.delete(id);
    tab.backendId = undefined;
    tab.term.write(`\r\n\x1b[2m[${reason}]\x1b[0m\r\n`);
    this.update(tab, { status: 'ended', endReason: reason });
  }

  /** Starts (or restarts, for Reconnect) the backend session of a tab. */
  async connect(tab: TerminalTab): Promise<void> {
    this.update(tab, { status: 'connecting', endReason: undefined, written: 0, acked: 0 });
    try {
      const { id, token } = await this.client.call('terminal.open', {
        machine: tab.machine, mode: tab.opts.mode, user: tab.opts.user, command: tab.opts.command,
        cols: Math.max(2, tab.term.cols), rows: Math.max(1, tab.term.rows),
      });
      if (!this.snapshot.tabs.includes(tab)) {
        void this.client.call('terminal.close', { id }).catch(() => undefined);
        return;
      }
      tab.backendId = id;
      tab.token = token;
      this.byBackendId.set(id, tab);
      this.update(tab, { status: 'open' });
      // The view may have fitted the terminal while the session was opening.
      void this.client.call('terminal.resize', { id, cols: tab.term.cols, rows: tab.term.rows }).catch(() => undefined);
    } catch (e) {
      tab.term.write(`\r\n\x1b[31m[could not open a shell: ${(e as Error).message}]\x1b[0m\r\n`);
      this.update(tab, { status: 'ended', endReason: (e as Error).message });
    }
  }

  close(key: string): void {
    const tabs = this.snapshot.tabs;
    const i = tabs.findIndex((t) => t.key === key);
    if (i < 0) return;
    const tab = tabs[i];
    if (tab.backendId) {
      this.byBackendId.delete(tab.backendId);
      void this.client.call('terminal.close', { id: tab.backendId }).catch(() => undefined);
    }
    tab.term.dispose();
    const rest = tabs.filter((t) => t.key !== key);
    const active = this.snapshot.active === key ? (rest[Math.min(i, rest.length - 1)]?.key ?? MACHINES_TAB) : this.snapshot.active;
    this.set({ tabs: rest, active });
  }

  setScreenReader(on: boolean): void {
    this.screenReader = on;
    for (const t of this.snapshot.tabs) t.term.options.screenReaderMode = on;
  }

  activate(key: string): void {
    this.set({ active: key });
  }

  rename(key: string, title: string): void {
    const tab = this.snapshot.tabs.find((t) => t.key === key);
    if (tab && title.trim()) this.update(tab, { title: title.trim().slice(0, 60) });
  }

  move(key: string, delta: -1 | 1): void {
    const tabs = [...this.snapshot.tabs];
    const i = tabs.findIndex((t) => t.key === key);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= tabs.length) return;
    [tabs[i], tabs[j]] = [tabs[j], tabs[i]];
    this.set({ tabs });
  }

  /** Cycles through the machine list and all terminal tabs. */
  cycle(delta: -1 | 1): void {
    const keys = [MACHINES_TAB, ...this.snapshot.tabs.map((t) => t.key)];
    const i = keys.indexOf(this.snapshot.active);
    this.set({ active: keys[(i + delta + keys.length) % keys.length] });
  }

  /** Marks tabs of a machine that stopped as ended (the pty exit usually says so first). */
  machineStopped(machine: string): void {
    for (const tab of this.snapshot.tabs) {
      if (tab.machine === machine && tab.status === 'open' && tab.backendId) {
        void this.client.call('terminal.close', { id: tab.backendId }).catch(() => undefined);
        this.byBackendId.delete(tab.backendId);
        tab.backendId = undefined;
        tab.term.write('\r\n\x1b[2m[machine stopped]\x1b[0m\r\n');
        this.update(tab, { status: 'ended', endReason: `${machine} stopped` });
      }
    }
  }
}
