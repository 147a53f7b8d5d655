// The pty hosts an agent serves shells from. Usually one, its user's own. An admin agent that
// took a host over from a limited one has two: its own (root's), where the shells it opens run,
// so `machinectl shell` needs no polkit prompt, and the user's, whose shells it keeps serving.
// A terminal id names its pty host (shared/terminal-ids), which routes every later request.
import { EventEmitter } from 'node:events';
import { RpcError } from '../../shared/errors.js';
import { ptyHostPrefix, prefixOfTerminal } from '../../shared/terminal-ids.js';
import { log } from '../proc.js';
import type { PtyMethod } from '../pty-host/protocol.js';
import { ptyHostSocket } from '../pty-host/protocol.js';
import { PtyHostClient } from './pty-host-client.js';

export class PtyHosts extends EventEmitter {
  readonly own: PtyHostClient;
  private inherited?: PtyHostClient;

  /** `theirs`: the socket of the pty host of the agent this one replaces (when not our own). */
  constructor(bundleDir: string, theirs?: string) {
    super();
    this.own = new PtyHostClient(bundleDir);
    if (theirs && theirs !== ptyHostSocket()) this.inherited = new PtyHostClient(bundleDir, theirs);
    for (const c of this.clients()) {
      c.on('frame', (owner: string, frame: Uint8Array) => this.emit('frame', owner, frame));
      c.on('epoch', () => this.emit('epoch', this.epoch));
    }
  }

  private clients(): PtyHostClient[] {
    return this.inherited ? [this.own, this.inherited] : [this.own];
  }

  async connect(): Promise<void> {
    await this.own.connect();
    try {
      await this.inherited?.connect();
    } catch (e) {
      // Its shells are gone already (it idled out or died): windows see that from the epochs.
      log(`agent: not serving the replaced agent's shells: ${(e as Error).message}`);
      this.inherited = undefined;
    }
  }

  /** HostInfo.epoch: every pty host served, space-separated. */
  get epoch(): string {
    return this.clients().map((c) => c.epoch).filter(Boolean).join(' ');
  }

  /** Where this agent's own shells live (what the hub hands to an agent that replaces it). */
  get socketPath(): string {
    return this.own.socketPath;
  }

  private holding(id: string): PtyHostClient {
    const i = this.inherited;
    return i?.epoch && prefixOfTerminal(id) === ptyHostPrefix(i.epoch) ? i : this.own;
  }

  /** One request for a client's sessions, sent where it belongs. */
  async request<T = unknown>(owner: string, method: PtyMethod, params: object = {}): Promise<T> {
    switch (method) {
      case 'open': return this.own.request<T>(owner, method, params);
      case 'count': return (await Promise.all(this.clients().map((c) => c.request<number>(owner, 'count')))).reduce((a, b) => a + b, 0) as T;
      case 'closeOwner': return (await Promise.all(this.clients().map((c) => c.request(owner, 'closeOwner'))), null) as T;
      case 'adopt': {
        // A hand-off token does not say where its session is: ours first, then theirs.
        try {
          return await this.own.request<T>(owner, method, params);
        } catch (e) {
          if (!this.inherited || !(e instanceof RpcError) || e.code !== 'not_found') throw e;
          return this.inherited.request<T>(owner, method, params);
        }
      }
      default: return this.holding(String((params as { id?: unknown }).id)).request<T>(owner, method, params);
    }
  }

  stop(): void {
    for (const c of this.clients()) c.stop();
  }
}
