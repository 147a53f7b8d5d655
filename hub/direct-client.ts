// A client of the hub inside the hub's own process (tests, the bench; later a CLI): the same
// frames a window sends, through the same router, without a socket in between.
import type { AgentLink } from './agent-link.js';
import { HostRouter, type HubClient } from './host-router.js';
import type { EventName, EventPayload, HostDiagnostics, HostInfo, ServerFrame } from '../shared/contract.js';
import { applyMachineDelta, type Machine } from '../shared/machine.js';
import type { RpcErrorShape } from '../shared/errors.js';

export type Result = { ok: true; result: unknown } | { ok: false; error: RpcErrorShape };

/** One client of the hub in this process, as a window would be: requests, and the events sent to it. */
const decoder = new TextDecoder();

export class DirectClient {
  private readonly c: HubClient;
  private nextId = 1;
  private readonly waiting = new Map<number, (r: Result) => void>();
  private readonly listeners = new Map<string, Set<(p: unknown) => void>>();
  /** The newest list and host status the agent sent. */
  machines: Machine[] = [];
  status?: HostInfo;

  /** The host this client talks to: `link`'s, through `router` (by default one over `link` alone). */
  readonly host: string;

  constructor(readonly link: AgentLink, router: HostRouter = HostRouter.of(link)) {
    this.host = link.launcher.id;
    this.c = router.connect((json) => this.onFrame(JSON.parse(typeof json === 'string' ? json : decoder.decode(json)) as ServerFrame));
    this.on('machines.changed', (list) => { this.machines = list; });
    this.on('machines.delta', (d) => { this.machines = applyMachineDelta(this.machines, d); });
    this.on('host.status', (s) => { this.status = s; });
  }

  private onFrame(f: ServerFrame): void {
    // Hub events and other hosts' events (a router with several) are not this client's business.
    if (f.t === 'evt' && f.host !== this.host) return;
    if (f.t === 'res') {
      const w = this.waiting.get(f.id);
      this.waiting.delete(f.id);
      w?.(f.ok ? { ok: true, result: f.result } : { ok: false, error: f.error });
    } else {
      for (const fn of this.listeners.get(f.name) ?? []) fn(f.payload);
    }
  }

  dispatch(method: string, params: unknown): Promise<Result> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.c.receive(JSON.stringify({ t: 'req', id, host: this.host, method, params }));
    });
  }

  /** Like dispatch, but throws on an error answer. */
  async call<T = unknown>(method: string, params: unknown = {}): Promise<T> {
    const r = await this.dispatch(method, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
    return r.result as T;
  }

  on<E extends EventName>(name: E, fn: (p: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(fn as (p: unknown) => void);
    return () => set.delete(fn as (p: unknown) => void);
  }

  /** Reads the list now (the events keep it current afterwards). */
  async refresh(): Promise<Machine[]> {
    this.machines = await this.call<Machine[]>('machines.list');
    return this.machines;
  }

  stateOf(name: string): string | undefined {
    return this.machines.find((m) => m.name === name)?.state;
  }

  diagnostics(): Promise<HostDiagnostics> {
    return this.call<HostDiagnostics>('host.diagnostics');
  }

  close(): void {
    this.c.close();
  }
}

