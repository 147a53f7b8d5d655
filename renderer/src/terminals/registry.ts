// Terminal sessions of a window, on any of the hub's hosts. They live here, outside React, so
// switching tabs keeps each xterm and its scrollback; sessions are keyed by host and id.
import { HostRuns } from './host-runs';
import type { Input } from '../../../shared/contract';
import { sendInput, splitInput } from './input-queue';
import { ackerOf, flushed, interrupt, interrupts, newOutputState, receive } from './output-queue';
import type { Client, HostClient } from '../transport/client';
import { loadSessions, saveSessions } from './saved-sessions';
import { createTab, titleOf, uniqueTitle, type ShellOptions, type TerminalTab } from './terminal-tab';
import { PopoutWatch, type PoppedSession } from './popout-watch';
import { cycledKey, movedTab } from './tab-order';

export type { ShellOptions, TabStatus, TerminalTab } from './terminal-tab';

export interface TabsSnapshot {
  tabs: readonly TerminalTab[];
  /** Key of the visible tab, or 'machines' for the machine list. */
  active: string;
}

export const MACHINES_TAB = 'machines';
/** The shown host's images (a view, like the machine list; never closed). */
export const IMAGES_TAB = 'images';

const sessionKey = (host: string | undefined, id: string) => `${host ?? ''}/${id}`;

export class TerminalRegistry {
  private snapshot: TabsSnapshot = { tabs: [], active: MACHINES_TAB };
  private listeners = new Set<() => void>();
  private bySession = new Map<string, TerminalTab>();
  /** xterm's screen reader mode mirrors the terminal text into the accessibility tree. */
  private screenReader = false;
  /** Per host, the pty hosts its agent serves: whether a tab still has its shell. */
  private readonly runs = new HostRuns();
  /** The main window keeps its sessions here (persistIn); pop-outs keep nothing. */
  private storage?: Storage;
  /** Sessions this window popped out: they come back as tabs when their window closes. */
  private readonly popouts = new PopoutWatch((s) => this.takeBack(s));

  constructor(private readonly client: Client) {
    client.on('terminal.data', ({ id, data }, host) => {
      const tab = this.bySession.get(sessionKey(host, id));
      if (tab) receive(tab, data, this.acker(tab, id));
    });
    client.on('terminal.flushed', ({ id }, host) => {
      const tab = this.bySession.get(sessionKey(host, id));
      if (tab) flushed(tab);
    });
    client.on('host.status', (status, host) => {
      if (!host) return;
      const fateOf = this.runs.update(host, status);
      for (const t of this.snapshot.tabs.filter((x) => x.host === host && x.backendId)) {
        const fate = fateOf(t.backendId!);
        if (fate.kind === 'waiting' && t.status === 'open') this.update(t, { status: 'connecting', endReason: fate.reason });
        else if (fate.kind === 'ended') this.ended(t, fate.reason);
        else if (fate.kind === 'reattach' && t.token) void this.reattach(t);
      }
    });
    // A host removed from the app takes its tabs with it.
    client.on('hub.hosts', (list) => {
      for (const t of this.snapshot.tabs) if (t.status !== 'ended' && !list.some((h) => h.id === t.host)) this.ended(t, 'its host was removed from the app');
    });
    client.on('terminal.exit', ({ id, reason }, host) => {
      const tab = this.bySession.get(sessionKey(host, id));
      if (tab) this.ended(tab, reason);
    });
    client.on('terminal.moved', ({ id }, host) => {
      const tab = this.bySession.get(sessionKey(host, id));
      if (!tab) return;
      this.detach(tab);
      void this.close(tab.key);
    });
    // A dropped connection leaves the sessions in the agent for its grace period: re-attach them.
    client.onLink((up) => {
      for (const tab of this.snapshot.tabs) {
        if (tab.status === 'ended') continue;
        if (up && tab.status === 'connecting' && tab.backendId && tab.token) void this.reattach(tab);
        else if (!up && tab.backendId && tab.token) this.update(tab, { status: 'connecting', endReason: 'reconnecting…' });
        else if (!up) this.ended(tab, 'lost the connection to the backend', false);
      }
    });
  }

  private on(tab: TerminalTab): HostClient {
    return this.client.host(tab.host);
  }

  /**
   * Acks, resizes and hang-ups nothing waits on. One that fails means the session or the link is
   * gone, and the tab hears that already ('terminal.exit', a new epoch, the link's own event);
   * reporting the failed request too would only say it twice. Resolves either way.
   */
  private notify<M extends 'terminal.ack' | 'terminal.resize' | 'terminal.close'>(host: string, method: M, params: Input<M>): Promise<void> {
    return this.client.host(host).call(method, params).then(() => undefined, () => undefined);
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
        ? [{ host: t.host, machine: t.machine, title: t.title, ...t.opts, id: t.backendId, token: t.token }] : [])));
    }
  }

  /** Main window only: re-attaches the sessions saved before a reload, then keeps the list saved. */
  persistIn(storage: Storage): void {
    if (this.storage) return; // once per registry (React may run effects twice)
    for (const s of loadSessions(storage)) {
      const tab = this.newTab(s.host, s.machine, { mode: s.mode, user: s.user, command: s.command });
      tab.title = s.title;
      tab.backendId = s.id;
      tab.token = s.token;
      void this.reattach(tab);
    }
    this.storage = storage;
    this.set({});
  }

  /** Takes the tab's session back from the agent, with its screen as the agent kept it. */
  private async reattach(tab: TerminalTab): Promise<boolean> {
    const id = tab.backendId!;
    this.update(tab, { status: 'connecting', endReason: undefined });
    try {
      const r = await this.on(tab).call('terminal.reattach', { id, token: tab.token!, cols: Math.max(2, tab.term.cols), rows: Math.max(1, tab.term.rows) });
      tab.term.reset();
      tab.out = newOutputState(); // the screen replaces whatever was on its way
      tab.term.write(r.screen);
      tab.written = 0;
      tab.acked = 0;
      this.bySession.set(sessionKey(tab.host, id), tab);
      this.update(tab, { status: 'open' });
      return true;
    } catch (e) {
      this.ended(tab, (e as Error).message);
      return false;
    }
  }

  private update(tab: TerminalTab, patch: Partial<TerminalTab>): void {
    Object.assign(tab, patch);
    this.set({ tabs: [...this.snapshot.tabs] });
  }

  open(host: string, machine: string, opts: ShellOptions = { mode: 'shell' }): TerminalTab {
    const tab = this.newTab(host, machine, opts);
    void this.connect(tab);
    return tab;
  }

  /** In a pop-out window: takes over the session another window offered, with its recent output. */
  async adopt(host: string, handoff: string, title?: string): Promise<TerminalTab | undefined> {
    const tab = this.newTab(host, '…', { mode: 'shell' });
    try {
      const r = await this.on(tab).call('terminal.adopt', { handoff, cols: Math.max(2, tab.term.cols), rows: Math.max(1, tab.term.rows) });
      // The name the tab had in the window it came from.
      Object.assign(tab, { machine: r.machine, opts: { mode: r.mode, user: r.user }, title: title?.slice(0, 60) || titleOf(r.machine, { mode: r.mode, user: r.user }) });
      tab.term.write(r.history);
      tab.backendId = r.id;
      this.bySession.set(sessionKey(host, r.id), tab);
      this.update(tab, { status: 'open' });
      void this.notify(host, 'terminal.resize', { id: r.id, cols: tab.term.cols, rows: tab.term.rows });
      return tab;
    } catch (e) {
      tab.term.write(`\r\n\x1b[31m[could not take over the session: ${(e as Error).message}]\x1b[0m\r\n`);
      this.update(tab, { status: 'ended', endReason: (e as Error).message });
      return tab;
    }
  }

  /** Moves a tab's session into a window of its own; this tab goes once that window has it, and
   * comes back (the same session, its screen rebuilt) when that window closes. */
  async popOut(key: string): Promise<void> {
    const tab = this.snapshot.tabs.find((t) => t.key === key);
    if (!tab?.backendId) return;
    const { handoff } = await this.on(tab).call('terminal.handoff', { id: tab.backendId });
    const params = new URLSearchParams(location.hash.slice(1));
    params.set('popout', handoff);
    params.set('host', tab.host);
    params.set('title', tab.title);
    const url = `${location.href.split('#')[0]}#${params.toString()}`;
    const win = window.open(url, '_blank', 'popup,width=960,height=640');
    if (!win) {
      tab.term.write('\r\n\x1b[33m[the window could not be opened: pop-ups are blocked]\x1b[0m\r\n');
      return;
    }
    if (tab.token) this.popouts.watch(win, { host: tab.host, machine: tab.machine, title: tab.title, opts: tab.opts, id: tab.backendId, token: tab.token });
  }

  /** A popped-out window closed: its session (if it still runs) becomes a tab here again. */
  private async takeBack(s: PoppedSession): Promise<boolean> {
    const tab = this.newTab(s.host, s.machine, s.opts, false);
    Object.assign(tab, { title: s.title, backendId: s.id, token: s.token });
    if (await this.reattach(tab)) return true;
    // Ended in its window (the person closed the shell there): nothing to bring back.
    void this.close(tab.key);
    return false;
  }

  private acker(tab: TerminalTab, id: string) {
    return ackerOf(tab, (chars) => void this.notify(tab.host, 'terminal.ack', { id, chars }));
  }

  private newTab(host: string, machine: string, opts: ShellOptions, activate = true): TerminalTab {
    const tab = createTab(host, machine, opts, this.screenReader);
    tab.title = uniqueTitle(tab.title, this.snapshot.tabs.map((t) => t.title));
    tab.term.onData((data) => {
      if (!tab.backendId) return;
      const stop = interrupts(tab, data);
      if (stop) interrupt(tab, this.acker(tab, tab.backendId));
      tab.input.push(...splitInput(data).map((d, i) => (stop && i === 0 ? { data: d, interrupt: true as const } : { data: d })));
      void sendInput(this.on(tab), tab);
    });
    tab.term.onResize(({ cols, rows }) => {
      if (tab.backendId) void this.notify(tab.host, 'terminal.resize', { id: tab.backendId, cols, rows });
    });
    this.set({ tabs: [...this.snapshot.tabs, tab], active: activate ? tab.key : this.snapshot.active });
    return tab;
  }

  private detach(tab: TerminalTab): void {
    if (tab.backendId) this.bySession.delete(sessionKey(tab.host, tab.backendId));
    tab.backendId = undefined;
  }

  /** A session that ended on the backend: its tab stays, marked ended, with the reason. */
  private ended(tab: TerminalTab, reason: string, say = true): void {
    this.detach(tab);
    if (say) tab.term.write(`\r\n\x1b[2m[${reason}]\x1b[0m\r\n`);
    this.update(tab, { status: 'ended', endReason: reason });
  }

  /** Starts (or restarts, for Reconnect) the backend session of a tab. */
  async connect(tab: TerminalTab): Promise<void> {
    this.update(tab, { status: 'connecting', endReason: undefined, written: 0, acked: 0, out: newOutputState() });
    const host = this.on(tab);
    try {
      const { id, token } = await host.call('terminal.open', {
        machine: tab.machine, mode: tab.opts.mode, user: tab.opts.user, command: tab.opts.command,
        cols: Math.max(2, tab.term.cols), rows: Math.max(1, tab.term.rows),
      });
      if (!this.snapshot.tabs.includes(tab)) {
        void this.notify(tab.host, 'terminal.close', { id });
        return;
      }
      tab.backendId = id;
      tab.token = token;
      this.bySession.set(sessionKey(tab.host, id), tab);
      this.update(tab, { status: 'open' });
      // The view may have fitted the terminal while the session was opening.
      void this.notify(tab.host, 'terminal.resize', { id, cols: tab.term.cols, rows: tab.term.rows });
    } catch (e) {
      tab.term.write(`\r\n\x1b[31m[could not open a shell: ${(e as Error).message}]\x1b[0m\r\n`);
      this.update(tab, { status: 'ended', endReason: (e as Error).message });
    }
  }

  /** Closes the tab and ends its session; resolves once the agent has ended it (or could not). */
  close(key: string): Promise<void> {
    const tabs = this.snapshot.tabs;
    const i = tabs.findIndex((t) => t.key === key);
    if (i < 0) return Promise.resolve();
    const tab = tabs[i];
    let ending = Promise.resolve();
    if (tab.backendId) {
      ending = this.notify(tab.host, 'terminal.close', { id: tab.backendId });
      this.detach(tab);
    }
    tab.term.dispose();
    const rest = tabs.filter((t) => t.key !== key);
    const active = this.snapshot.active === key ? (rest[Math.min(i, rest.length - 1)]?.key ?? MACHINES_TAB) : this.snapshot.active;
    this.set({ tabs: rest, active });
    return ending;
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
    const others = this.snapshot.tabs.filter((t) => t.key !== key).map((t) => t.title);
    if (tab && title.trim()) this.update(tab, { title: uniqueTitle(title.trim().slice(0, 60), others) });
  }

  move(key: string, delta: -1 | 1): void {
    const tabs = movedTab(this.snapshot.tabs, key, delta);
    if (tabs !== this.snapshot.tabs) this.set({ tabs });
  }

  /** Cycles through the views and all terminal tabs. */
  cycle(delta: -1 | 1): void {
    this.set({ active: cycledKey([MACHINES_TAB, IMAGES_TAB, ...this.snapshot.tabs.map((t) => t.key)], this.snapshot.active, delta) });
  }

  /** Marks tabs of a machine on `host` that stopped as ended (the pty exit usually says so first). */
  machineStopped(host: string, machine: string): void {
    for (const tab of this.snapshot.tabs) {
      if (tab.host === host && tab.machine === machine && tab.status === 'open' && tab.backendId) {
        void this.notify(tab.host, 'terminal.close', { id: tab.backendId });
        this.ended(tab, `${machine} stopped`, false);
        tab.term.write('\r\n\x1b[2m[machine stopped]\x1b[0m\r\n');
      }
    }
  }
}
