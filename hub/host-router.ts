// The hub's front: every window or socket is one client of the router, which holds one AgentLink
// per managed host. A request names its host and goes to that host's agent; everything an agent
// sends back is stamped with the host it came from, so a window can never mistake one host's
// machines, shells or errors for another's.
import { HOSTLESS_HUB_REQUESTS, hubRequests, type HostEntry, type HubMethod, type ServerFrame } from '../shared/contract.js';
import { RpcError } from '../shared/errors.js';
import { AgentLink, type AgentChannel, type ClientFrameOut } from './agent-link.js';
import { log } from './log.js';
import type { Launcher } from './launchers.js';
import { askpass, type Prompt } from './ssh/askpass.js';

export type { ClientFrameOut } from './agent-link.js';

export interface HubClient {
  /** One frame from the renderer, as JSON text; false when it is not JSON (the caller closes). */
  receive(json: string): boolean;
  close(): void;
}

/** What the web server and the Electron shell need: a client per window or socket. */
export interface ClientHub {
  connect(send: (json: ClientFrameOut) => void): HubClient;
}

const CLOSE_BRACE = 0x7d;
const enc = new TextEncoder();

/**
 * Adds `"host":ID` as the frame's last key. JSON.parse keeps the last of repeated keys, so an
 * agent that names a host itself cannot override the hub. One copy of the frame; no re-encoding.
 */
export function stampHost(frame: ClientFrameOut, host: string): ClientFrameOut | undefined {
  const suffix = `,"host":${JSON.stringify(host)}}`;
  if (typeof frame === 'string') return frame.endsWith('}') ? frame.slice(0, -1) + suffix : undefined;
  if (frame[frame.length - 1] !== CLOSE_BRACE) return undefined;
  const tail = enc.encode(suffix);
  const out = new Uint8Array(frame.length - 1 + tail.length);
  out.set(frame.subarray(0, frame.length - 1));
  out.set(tail, frame.length - 1);
  return out;
}

interface RouterClient {
  send(json: ClientFrameOut): void;
  channels: Map<string, AgentChannel>;
}

/** How a router adds hosts people name in the app (SSH) and keeps them for next time. */
export interface HostAdder {
  /** The launcher for a typed target; throws RpcError invalid_request with the reason. */
  launcherFor(target: string, opts: { nixNode?: boolean }): Launcher;
  save(hosts: { target: string; nixNode?: boolean }[]): void;
}

export class HostRouter implements ClientHub {
  /** Hosts whose requests go to their admin agent (Unlock), and those being unlocked. */
  private readonly admins = new Map<string, AgentLink>();
  private readonly unlocking = new Set<string>();
  private readonly clients = new Set<RouterClient>();
  private adder?: HostAdder;
  /** Hosts added in the app or saved from before: removable, and saved again on every change. */
  private readonly added = new Set<string>();

  private readonly onPrompt = (p: Prompt) => {
    for (const c of this.clients) this.sendPrompt(c, p);
  };

  private readonly onPromptDone = (id: number) => {
    const frame = JSON.stringify({ t: 'evt', name: 'hub.promptDone', payload: { id } } satisfies ServerFrame);
    for (const c of this.clients) c.send(frame);
  };

  constructor(private readonly links: Map<string, AgentLink>) {
    askpass.on('prompt', this.onPrompt);
    askpass.on('done', this.onPromptDone);
  }

  /** ssh's question to a window, stamped with the host it is connecting to. */
  private sendPrompt(c: RouterClient, p: Prompt): void {
    if (!this.links.has(p.host)) return;
    c.send(stampHost(JSON.stringify({ t: 'evt', name: 'hub.prompt', payload: { id: p.id, prompt: p.prompt } } satisfies ServerFrame), p.host)!);
  }

  /** Lets clients add hosts (hub.addHost); `saved`: ids of the links that came from the saved list. */
  allowAdding(adder: HostAdder, saved: string[] = []): void {
    this.adder = adder;
    for (const id of saved) this.added.add(id);
  }

  /** A router over these links, each under its launcher's id. */
  static of(...links: AgentLink[]): HostRouter {
    return new HostRouter(new Map(links.map((l) => [l.launcher.id, l])));
  }

  get hosts(): HostEntry[] {
    return [...this.links].map(([id, l]) => ({
      id, label: l.launcher.label, kind: l.launcher.kind, canUnlock: !!l.launcher.admin, unlocked: this.admins.has(id), removable: this.added.has(id),
      ...(l.launcher.nixNode ? { nixNode: true } : {}),
    }));
  }

  /** The link a host's requests go to now. */
  link(id: string): AgentLink | undefined {
    return this.admins.get(id) ?? this.links.get(id);
  }

  /** Starts every host's agent; resolves when each is ready or still retrying after `timeoutMs`. */
  async start(timeoutMs?: number): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.start(timeoutMs)));
  }

  async stop(): Promise<void> {
    askpass.off('prompt', this.onPrompt);
    askpass.off('done', this.onPromptDone);
    await Promise.all([...this.links.values(), ...this.admins.values()].map((l) => l.stop()));
  }

  private channel(c: RouterClient, id: string, link: AgentLink): AgentChannel {
    return link.connect((frame) => {
      const stamped = stampHost(frame, id);
      if (stamped) c.send(stamped);
      else log(`the agent on ${link.launcher.label} sent a frame that is not a JSON object; dropped`);
    });
  }

  /** Every window's channel for host `id` moves to `link`; their tabs re-attach (same pty host). */
  private switchTo(id: string, link: AgentLink, why: string): void {
    const l = this.links.get(id)!;
    const between = JSON.stringify({ t: 'evt', name: 'host.status', payload: { label: l.launcher.label, kind: l.launcher.kind, busAddress: '', connected: false, error: why } } satisfies ServerFrame);
    for (const c of this.clients) {
      c.channels.get(id)?.close();
      c.send(stampHost(between, id)!);
      c.channels.set(id, this.channel(c, id, link));
    }
    this.announce();
  }

  private announce(): void {
    const frame = JSON.stringify({ t: 'evt', name: 'hub.hosts', payload: this.hosts } satisfies ServerFrame);
    for (const c of this.clients) c.send(frame);
  }

  async unlock(id: string): Promise<void> {
    const limited = this.links.get(id);
    if (!limited) throw new RpcError('not_found', `no such host: ${id}`);
    if (this.admins.has(id)) return;
    const launcher = limited.launcher.admin?.(limited.ptySocket);
    if (!launcher) throw new RpcError('conflict', `the agent on ${limited.launcher.label} runs with administrative access already`);
    if (this.unlocking.has(id)) throw new RpcError('conflict', `administrative access to ${limited.launcher.label} is being asked for already`);
    this.unlocking.add(id);
    try {
      const admin = new AgentLink(launcher, { once: true });
      const granted = await new Promise<boolean>((resolve) => {
        admin.once('ready', () => resolve(true));
        admin.once('failed', () => resolve(false));
        admin.launchNow();
      });
      if (!granted) {
        throw new RpcError('permission_denied', `administrative access to ${limited.launcher.label} was not granted (${admin.error ?? 'pkexec refused'})`);
      }
      this.admins.set(id, admin);
      this.switchTo(id, admin, 'switching to administrative access…');
    } finally {
      this.unlocking.delete(id);
    }
  }

  async lock(id: string): Promise<void> {
    const admin = this.admins.get(id);
    if (!admin) return;
    this.admins.delete(id);
    this.switchTo(id, this.links.get(id)!, 'back to limited access…');
    await admin.stop();
  }

  /**
   * Adds (and saves) an SSH host. One already listed is returned as it is, unless it was added
   * in the app with the other Nix choice: then it is connected again with the new one.
   */
  async addHost(target: string, nixNode = false): Promise<HostEntry> {
    if (!this.adder) throw new RpcError('unavailable', 'this hub does not add hosts');
    const launcher = this.adder.launcherFor(target, { nixNode });
    const listed = this.links.get(launcher.id);
    if (listed && this.added.has(launcher.id) && (listed.launcher.nixNode ?? false) !== nixNode) await this.removeHost(launcher.id);
    if (!this.links.has(launcher.id)) {
      const link = new AgentLink(launcher);
      this.links.set(launcher.id, link);
      this.added.add(launcher.id);
      for (const c of this.clients) c.channels.set(launcher.id, this.channel(c, launcher.id, link));
      void link.start(0);
      this.saveAdded();
      this.announce();
    }
    return this.hosts.find((h) => h.id === launcher.id)!;
  }

  async removeHost(id: string): Promise<void> {
    const link = this.links.get(id)!;
    if (!this.added.has(id)) throw new RpcError('conflict', `${link.launcher.label} was not added in the app (it comes from NSD_HOSTS); change NSD_HOSTS instead`);
    for (const c of this.clients) {
      c.channels.get(id)?.close();
      c.channels.delete(id);
    }
    const admin = this.admins.get(id);
    this.admins.delete(id);
    this.links.delete(id);
    this.added.delete(id);
    this.saveAdded();
    this.announce();
    await Promise.all([link.stop(), admin?.stop()]);
  }

  private saveAdded(): void {
    try {
      this.adder?.save([...this.added].map((id) => ({ target: this.links.get(id)!.launcher.label, nixNode: this.links.get(id)!.launcher.nixNode })));
    } catch (e) {
      throw new RpcError('failed', `the host list could not be saved: ${(e as Error).message}`);
    }
  }

  private async hubRequest(method: HubMethod, host: string | undefined, params: unknown): Promise<unknown> {
    const parsed = hubRequests[method].input.safeParse(params ?? {});
    if (!parsed.success) throw new RpcError('invalid_request', `invalid ${method}: ${parsed.error.issues[0]?.message ?? 'bad input'}`);
    if (method === 'hub.addHost') {
      const { target, nixNode } = parsed.data as { target: string; nixNode?: boolean };
      return await this.addHost(target, nixNode);
    }
    if (method === 'hub.unlock') await this.unlock(host!);
    else if (method === 'hub.lock') await this.lock(host!);
    else if (method === 'hub.removeHost') await this.removeHost(host!);
    else if (method === 'hub.answer') {
      const { id, answer } = parsed.data as { id: number; answer?: string };
      // Only the host that asked is answered.
      if (!askpass.pending.some((p) => p.id === id && p.host === host)) throw new RpcError('not_found', 'that question is no longer asked (answered elsewhere, or 2 minutes passed)');
      askpass.answer(id, answer);
    }
    else this.link(host!)!.retryNow();
    return { ok: true };
  }

  connect(send: (json: ClientFrameOut) => void): HubClient {
    send(JSON.stringify({ t: 'evt', name: 'hub.hosts', payload: this.hosts } satisfies ServerFrame));
    const client: RouterClient = { send, channels: new Map() };
    for (const id of this.links.keys()) client.channels.set(id, this.channel(client, id, this.link(id)!));
    this.clients.add(client);
    for (const p of askpass.pending) this.sendPrompt(client, p);
    const answer = (id: number, host: string, r: { ok: true; result: unknown } | { ok: false; error: RpcError }) => {
      send(stampHost(JSON.stringify(r.ok ? { t: 'res', id, ok: true, result: r.result } : { t: 'res', id, ok: false, error: r.error.toJSON() }), host)!);
    };
    return {
      receive: (json) => {
        let f: { t?: unknown; id?: unknown; host?: unknown; method?: unknown; params?: unknown };
        try {
          f = JSON.parse(json) as typeof f;
        } catch {
          return false;
        }
        if (!f || f.t !== 'req' || typeof f.id !== 'number') return true; // not a request: nothing to answer
        const id = f.id;
        if (typeof f.method === 'string' && (HOSTLESS_HUB_REQUESTS as readonly string[]).includes(f.method)) {
          this.hubRequest(f.method as HubMethod, undefined, f.params).then(
            (result) => send(JSON.stringify({ t: 'res', id, ok: true, result } satisfies ServerFrame)),
            (e: unknown) => send(JSON.stringify({ t: 'res', id, ok: false, error: (e instanceof RpcError ? e : new RpcError('internal', (e as Error).message)).toJSON() } satisfies ServerFrame)),
          );
          return true;
        }
        const host = typeof f.host === 'string' && this.links.has(f.host) ? f.host : undefined;
        if (!host) {
          const error = new RpcError('not_found', `no such host: ${String(f.host).slice(0, 80)}`).toJSON();
          send(JSON.stringify({ t: 'res', id, ok: false, error } satisfies ServerFrame));
          return true;
        }
        if (typeof f.method === 'string' && Object.prototype.hasOwnProperty.call(hubRequests, f.method)) {
          this.hubRequest(f.method as HubMethod, host, f.params).then(
            (result) => answer(id, host, { ok: true, result }),
            (e: unknown) => answer(id, host, { ok: false, error: e instanceof RpcError ? e : new RpcError('internal', (e as Error).message) }),
          );
          return true;
        }
        client.channels.get(host)!.forward(id, json);
        return true;
      },
      close: () => {
        this.clients.delete(client);
        for (const c of client.channels.values()) c.close();
        client.channels.clear();
      },
    };
  }
}
