// The hub's front: every window or socket is one client of the router, which holds one AgentLink
// per managed host. A request names its host and goes to that host's agent; everything an agent
// sends back is stamped with the host it came from, so a window can never mistake one host's
// machines, shells or errors for another's.
import type { HostEntry, ServerFrame } from '../shared/contract.js';
import { RpcError } from '../shared/errors.js';
import type { AgentChannel, AgentLink, ClientFrameOut } from './agent-link.js';
import { log } from './log.js';

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

export class HostRouter implements ClientHub {
  constructor(private readonly links: ReadonlyMap<string, AgentLink>) {}

  /** A router over these links, each under its launcher's id. */
  static of(...links: AgentLink[]): HostRouter {
    return new HostRouter(new Map(links.map((l) => [l.launcher.id, l])));
  }

  get hosts(): HostEntry[] {
    return [...this.links].map(([id, l]) => ({ id, label: l.launcher.label, kind: l.launcher.kind }));
  }

  link(id: string): AgentLink | undefined {
    return this.links.get(id);
  }

  /** Starts every host's agent; resolves when each is ready or still retrying after `timeoutMs`. */
  async start(timeoutMs?: number): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.start(timeoutMs)));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.stop()));
  }

  connect(send: (json: ClientFrameOut) => void): HubClient {
    send(JSON.stringify({ t: 'evt', name: 'hub.hosts', payload: this.hosts } satisfies ServerFrame));
    const channels = new Map<string, AgentChannel>();
    for (const [id, link] of this.links) {
      channels.set(id, link.connect((frame) => {
        const stamped = stampHost(frame, id);
        if (stamped) send(stamped);
        else log(`the agent on ${link.launcher.label} sent a frame that is not a JSON object; dropped`);
      }));
    }
    return {
      receive: (json) => {
        let f: { t?: unknown; id?: unknown; host?: unknown };
        try {
          f = JSON.parse(json) as typeof f;
        } catch {
          return false;
        }
        if (!f || f.t !== 'req' || typeof f.id !== 'number') return true; // not a request: nothing to answer
        const channel = typeof f.host === 'string' ? channels.get(f.host) : undefined;
        if (!channel) {
          const error = new RpcError('not_found', `no such host: ${String(f.host).slice(0, 80)}`).toJSON();
          send(JSON.stringify({ t: 'res', id: f.id, ok: false, error } satisfies ServerFrame));
          return true;
        }
        channel.forward(f.id, json);
        return true;
      },
      close: () => {
        for (const c of channels.values()) c.close();
        channels.clear();
      },
    };
  }
}
