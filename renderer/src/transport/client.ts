// A client typed from the contract, over any Transport.
import { MAX_FRAME_BYTES, type EventName, type EventPayload, type HostEntry, type HubMethod, type HubOutput, type Input, type Method, type Output, type ServerFrame } from '../../../shared/contract';
import type { RpcErrorShape } from '../../../shared/errors';

export class ClientError extends Error implements RpcErrorShape {
  code: RpcErrorShape['code'];
  fields?: Record<string, string>;
  details?: string[];
  constructor(e: RpcErrorShape) {
    super(e.message);
    this.code = e.code;
    this.fields = e.fields;
    this.details = e.details;
  }
}

type Listener = (payload: unknown, host: string | undefined) => void;

/** The link to the hub: one per window, shared by every host the hub manages. */
export class Client {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private listeners = new Map<string, Set<Listener>>();
  private linkListeners = new Set<(up: boolean) => void>();
  linkUp = false;
  /** The hosts the hub manages (its 'hub.hosts' event); empty until it said. */
  hosts: HostEntry[] = [];
  private readonly hostClients = new Map<string, HostClient>();
  /** Why the link is down, when the user must act (e.g. an expired token). */
  linkProblem?: string;

  constructor(private readonly transport: import('./transport').Transport) {
    transport.onFrame((f) => this.onFrame(f));
    this.on('hub.hosts', (list) => { this.hosts = list; });
    transport.onLink((up, problem) => {
      this.linkUp = up;
      this.linkProblem = up ? undefined : problem;
      if (!up) {
        for (const p of this.pending.values()) p.reject(new ClientError({ code: 'unavailable', message: 'lost the connection to the backend' }));
        this.pending.clear();
      }
      for (const fn of this.linkListeners) fn(up);
    });
  }

  /** The requests and events of one host (one object per host, so it can key React memos). */
  host(id: string): HostClient {
    let h = this.hostClients.get(id);
    if (!h) this.hostClients.set(id, (h = new HostClient(this, id)));
    return h;
  }

  call<M extends Method>(host: string, method: M, params: Input<M>): Promise<Output<M>> {
    return this.send(host, method, params) as Promise<Output<M>>;
  }

  /** A request the hub answers itself (Unlock, Lock) for `host`. */
  hub<M extends HubMethod>(host: string, method: M): Promise<HubOutput<M>> {
    return this.send(host, method, {}) as Promise<HubOutput<M>>;
  }

  /** Adds an SSH host to the hub (a request that names no host); resolves with its entry. */
  addHost(target: string, nixNode = false): Promise<HostEntry> {
    return this.send(undefined, 'hub.addHost', { target, ...(nixNode ? { nixNode } : {}) }) as Promise<HostEntry>;
  }

  /** Answers ssh's question (hub.prompt) for `host`; no answer cancels it. */
  answerPrompt(host: string, id: number, answer: string | undefined): Promise<unknown> {
    return this.send(host, 'hub.answer', answer === undefined ? { id } : { id, answer });
  }

  private send(host: string | undefined, method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    // The backend closes a connection that sends a larger frame: refuse it here, with a reason.
    const size = JSON.stringify(params ?? null).length;
    if (size * 3 > MAX_FRAME_BYTES && new TextEncoder().encode(JSON.stringify(params)).length > MAX_FRAME_BYTES - 1024) {
      return Promise.reject(new ClientError({ code: 'invalid_request', message: `${method}: the request is too large to send (${(size / 1048576).toFixed(1)} MB; the limit is ${MAX_FRAME_BYTES / 1048576} MB)` }));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.transport.send({ t: 'req', id, host, method, params });
    });
  }

  /** Every host's events of this name; `host` is the one the hub stamped (none for the hub's own). */
  on<E extends EventName>(name: E, fn: (p: EventPayload<E>, host: string | undefined) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(fn as Listener);
    return () => set.delete(fn as Listener);
  }

  onLink(fn: (up: boolean) => void): () => void {
    this.linkListeners.add(fn);
    return () => this.linkListeners.delete(fn);
  }

  private onFrame(f: ServerFrame): void {
    if (f.t === 'res') {
      const p = this.pending.get(f.id);
      if (!p) return;
      this.pending.delete(f.id);
      if (f.ok) p.resolve(f.result);
      else p.reject(new ClientError(f.error));
    } else if (f.t === 'evt') {
      for (const fn of this.listeners.get(f.name) ?? []) fn(f.payload, f.host);
    }
  }
}

/** One host seen through the window's link: its requests carry its id, and it hears only its events. */
export class HostClient {
  constructor(private readonly client: Client, readonly id: string) {}

  get linkUp(): boolean {
    return this.client.linkUp;
  }

  get linkProblem(): string | undefined {
    return this.client.linkProblem;
  }

  call<M extends Method>(method: M, params: Input<M>): Promise<Output<M>> {
    return this.client.call(this.id, method, params);
  }

  hub<M extends HubMethod>(method: M): Promise<HubOutput<M>> {
    return this.client.hub(this.id, method);
  }

  on<E extends EventName>(name: E, fn: (p: EventPayload<E>) => void): () => void {
    return this.client.on(name, (p, host) => {
      if (host === this.id) fn(p);
    });
  }

  onLink(fn: (up: boolean) => void): () => void {
    return this.client.onLink(fn);
  }
}
