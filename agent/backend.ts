// The backend: services of one host, and one dispatcher per connected client (window or socket).
import { readdirSync, readFileSync } from 'node:fs';
import type { EventName, EventPayload, HostDiagnostics, ServerFrame } from '../shared/contract.js';
import { RpcError } from '../shared/errors.js';
import { Dispatcher, type Handlers } from './dispatcher.js';
import type { Host } from './host.js';
import { MachineService } from './machines/service.js';
import { MachineActions } from './machines/actions.js';
import { OpsService } from './ops/service.js';
import { ImageService, type ImageChange } from './images/service.js';
import { Transfers } from './images/transfers.js';
import { Creator } from './images/create.js';
import { SettingsService } from './settings/service.js';
import type { OpRequest } from '../shared/ops.js';
import { PtyHosts } from './terminals/pty-hosts.js';
import { GuestReadiness } from './terminals/guest-ready.js';
import { hostOverview } from './machines/overview.js';
import { NetworkService } from './network/service.js';
import { JournalService } from './journal/service.js';
import { readDetails } from './machines/details.js';
import { sampleMetrics } from './machines/metrics.js';
import { log } from './proc.js';
import { unitLog } from './machines/unit-log.js';
import { unitForMachine } from '../shared/names.js';
import type { Machine, MachineDelta } from '../shared/machine.js';

const SIGRTMIN = 34;
const OK = { ok: true as const };

/** A frame for a client: a contract frame, or one the pty host encoded already (passed on unread). */
export type ClientFrameOut = ServerFrame | Uint8Array;

export interface Client {
  /** Handle one incoming frame (already JSON-parsed). */
  receive(frame: unknown): Promise<void>;
  close(): void;
}

export class Backend {
  readonly machines: MachineService;
  /** Shells live in the host's pty host(s), so they outlive this agent. */
  readonly terminals: PtyHosts;
  readonly network: NetworkService;
  private readonly guestReady: GuestReadiness;
  readonly journal: JournalService;
  readonly actions: MachineActions;
  readonly ops = new OpsService();
  readonly images: ImageService;
  readonly transfers: Transfers;
  readonly creator: Creator;
  readonly settings: SettingsService;
  private clients = new Map<string, (f: ClientFrameOut) => void>();
  private nextClient = 1;

  /** `ptyHostDir`: where pty-host.cjs is (beside the agent bundle). */
  constructor(readonly host: Host, ptyHostDir = '.', ptySocket?: string) {
    this.machines = new MachineService(host);
    this.terminals = new PtyHosts(ptyHostDir, ptySocket);
    this.network = new NetworkService(host, this.machines);
    this.guestReady = new GuestReadiness(this.machines);
    this.journal = new JournalService(host);
    this.actions = new MachineActions(this.machines);
    this.images = new ImageService(() => this.machines.requireBus());
    this.transfers = new Transfers(() => this.machines.requireBus(), this.ops, () => this.images.announce());
    this.images.on('changed', (list) => this.broadcast('images.changed', list));
    this.machines.onFreshBus((bus) => this.transfers.watch(bus));
    this.settings = new SettingsService(this.machines);
    this.creator = new Creator(() => this.machines.requireBus(), this.transfers, this.actions,
      (name) => this.machines.list().some((m) => m.name === name), () => this.images.announce());
    this.ops.on('changed', (op) => this.broadcast('ops.changed', op));
    this.journal.on('entries', (owner: string, p: EventPayload<'journal.entries'>) => this.sendTo(owner, 'journal.entries', p));
    this.machines.on('changed', (list) => this.broadcast('machines.changed', list));
    this.machines.on('delta', (d) => this.broadcast('machines.delta', d));
    this.machines.on('status', (info) => this.broadcast('host.status', info));
    this.terminals.on('frame', (owner: string, frame: Uint8Array) => this.clients.get(owner)?.(frame));
    // A pty host restarted or went away: windows end the tabs whose pty host is no longer listed.
    this.terminals.on('epoch', (epoch: string) => this.machines.setEpoch(epoch));
  }

  async start(): Promise<void> {
    await this.terminals.connect();
    this.machines.setEpoch(this.terminals.epoch);
    await this.machines.start();
  }

  async stop(): Promise<void> {
    this.ops.stopAll();
    this.terminals.stop();
    for (const owner of this.clients.keys()) this.journal.closeOwner(owner);
    await this.machines.stop();
  }

  private broadcast<E extends EventName>(name: E, payload: EventPayload<E>): void {
    for (const send of this.clients.values()) send({ t: 'evt', name, payload });
  }

  private sendTo<E extends EventName>(owner: string, name: E, payload: EventPayload<E>): void {
    this.clients.get(owner)?.({ t: 'evt', name, payload });
  }

  async diagnostics(): Promise<HostDiagnostics> {
    const bus = this.machines.requireBus();
    let childProcesses = 0;
    for (const t of readdirSync('/proc/self/task')) {
      let kids: string;
      try {
        kids = readFileSync(`/proc/self/task/${t}/children`, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // a worker thread that just exited
        throw e;
      }
      childProcesses += kids.trim().split(/\s+/).filter(Boolean).length;
    }
    return {
      busMessagesSent: bus.sent, busMessagesByMember: { ...bus.sentByMember }, matchRules: bus.matchRuleCount,
      terminals: await this.terminals.request<number>('', 'count'), journalStreams: this.journal.count(),
      pid: process.pid, rssBytes: process.memoryUsage.rss(), childProcesses,
    };
  }

  private async withJournal(name: string, job: Promise<void>): Promise<typeof OK> {
    try {
      await job;
      return OK;
    } catch (e) {
      if (e instanceof RpcError && e.code === 'failed') throw new RpcError('failed', e.message, undefined, await unitLog(name));
      throw e;
    }
  }

  /** An operation: a machine's unit job, an image change or a transfer, followed from any window. */
  private startOp(r: OpRequest) {
    if (r.kind === 'image.pull' || r.kind === 'image.import') return this.transfers.start(r);
    if (r.kind === 'machine.create') {
      // Only a transfer can be stopped half-way (machined's clone cannot).
      const cancellable = r.source.type === 'pull' || r.source.type === 'import';
      return this.ops.run(r.kind, `Create ${r.name}`, r.name, (ctx) => this.creator.create(r, ctx), cancellable);
    }
    if (r.kind.startsWith('image.')) return this.imageOp(r as ImageChange);
    return this.machineOp(r as Extract<OpRequest, { kind: 'machine.start' | 'machine.stop' | 'machine.restart' }>);
  }

  private imageOp(r: ImageChange) {
    const titles: Record<ImageChange['kind'], string> = {
      'image.clone': `Clone ${r.name}${'newName' in r ? ` to ${r.newName}` : ''}`,
      'image.rename': `Rename ${r.name}${'newName' in r ? ` to ${r.newName}` : ''}`,
      'image.readOnly': `Mark ${r.name} ${'readOnly' in r && r.readOnly ? 'read-only' : 'writable'}`,
      'image.limit': `Limit ${r.name}`,
      'image.remove': `Remove ${r.name}`,
    };
    // machined cannot stop a clone or removal half-way.
    return this.ops.run(r.kind, titles[r.kind], r.name, (ctx) => this.images.change(r, ctx), false);
  }

  /** A machine's unit job as an operation: listed, followed and cancellable from any window. */
  private machineOp(r: Extract<OpRequest, { kind: 'machine.start' | 'machine.stop' | 'machine.restart' }>) {
    const job = { 'machine.start': ['StartUnit', 'Start'], 'machine.stop': ['StopUnit', 'Stop'], 'machine.restart': ['RestartUnit', 'Restart'] } as const;
    const [method, verb] = job[r.kind];
    // Only a start can be undone midway (by stopping the machine); a stop or restart runs to its end.
    const cancellable = r.kind === 'machine.start';
    return this.ops.run(r.kind, `${verb} ${r.name}`, r.name, async (ctx) => {
      ctx.progress(`asking systemd to ${verb.toLowerCase()} ${unitForMachine(r.name)}`);
      await this.withJournal(r.name, this.actions.unitJob(r.name, method, cancellable ? ctx.signal : undefined));
      if (r.kind !== 'machine.stop') this.watchSettling(r.name);
    }, cancellable);
  }

  /**
   * A start job is done once nspawn runs, but a guest can still die a few seconds later (a bad
   * bind, an init that exits). For a while after, a failure is told to every window with the
   * unit's last journal lines, like a failed start.
   */
  private watchSettling(name: string, forMs = 30_000): void {
    const t0 = Date.now();
    const stop = () => {
      clearTimeout(timer);
      this.machines.off('changed', onList);
      this.machines.off('delta', onDelta);
    };
    const onDelta = (d: MachineDelta) => {
      if (d.remove.includes(name)) return stop();
      const m = d.upsert.find((x) => x.name === name);
      return m ? onList([m]) : undefined;
    };
    const onList = (list: Machine[]) => {
      const m = list.find((x) => x.name === name);
      // Gone, ended cleanly (a power-off inside), or being stopped by someone: not a failure.
      if (!m || m.state === 'stopped' || m.job === 'stop') return stop();
      if (m.state !== 'failed') return undefined;
      stop();
      void unitLog(name).then((details) => this.broadcast('machines.lateFailure', { name, afterMs: Date.now() - t0, result: m.failure, details }));
      return undefined;
    };
    const timer = setTimeout(stop, forMs);
    timer.unref();
    this.machines.on('changed', onList);
    this.machines.on('delta', onDelta);
  }

  /** machines.start and the like: the same operation, answered when it ends. */
  private async opToEnd(r: OpRequest): Promise<typeof OK> {
    const op = await this.startOp(r).ended;
    if (op.state === 'done') return OK;
    const e = op.error ?? { code: 'internal', message: `${op.title} ended as ${op.state}` };
    throw new RpcError(op.state === 'cancelled' ? 'cancelled' : (e.code as RpcError['code']), e.message, undefined, e.details);
  }

  handlers(owner: string): Handlers {
    const m = this.machines;
    const a = this.actions;
    const t = this.terminals;
    return {
      'host.info': async () => m.info,
      'host.overview': () => hostOverview(m.requireBus()),
      'host.diagnostics': () => this.diagnostics(),
      'machines.refresh': async () => {
        const t0 = performance.now();
        await m.relist();
        return { ms: performance.now() - t0, machines: m.list().length };
      },
      'machines.list': async () => m.list(),
      'machines.start': ({ name }) => this.opToEnd({ kind: 'machine.start', name }),
      'machines.stop': ({ name }) => this.opToEnd({ kind: 'machine.stop', name }),
      'machines.restart': ({ name }) => this.opToEnd({ kind: 'machine.restart', name }),
      // As machinectl does: SIGRTMIN+4 asks systemd in the container to power off, SIGINT to reboot.
      'machines.poweroff': async ({ name }) => (await a.kill(name, SIGRTMIN + 4), OK),
      'machines.reboot': async ({ name }) => (await a.kill(name, 2), OK),
      'machines.terminate': async ({ name }) => (await a.terminate(name), OK),
      'machines.setAutostart': async ({ name, enabled }) => (await a.setAutostart(name, enabled), OK),
      'ops.start': async (r) => this.startOp(r).op,
      'images.list': () => this.images.list(),
      'settings.get': ({ name }) => this.settings.get(name),
      'settings.preview': (r) => this.settings.plan(r),
      'settings.apply': (r) => this.settings.apply(r),
      'settings.undo': ({ token }) => this.settings.undoChange(token),
      'settings.setLimits': (r) => this.settings.setLimits(r),
      'images.removalPlan': ({ name }) => this.images.removalPlan(name),
      'ops.list': async () => this.ops.list(),
      'ops.cancel': async ({ op }) => (this.ops.cancel(op), OK),
      'machines.details': ({ name }) => readDetails(m.requireBus(), this.host, name),
      'machines.metrics': async ({ names }) => {
        const bus = m.requireBus();
        // A machine that stopped or vanished since the list has no sample: the renderer shows its
        // figures as unknown, and the others still arrive.
        const all = await Promise.allSettled(names.map((n) => sampleMetrics(bus, n)));
        return all.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      },
      'journal.follow': async (r) => ({ id: this.journal.follow(owner, r) }),
      'journal.stop': async ({ id }) => (this.journal.stop(owner, id), OK),
      'journal.ack': async ({ id, entries }) => (this.journal.ack(owner, id, entries), OK),
      'network.get': ({ name }) => this.network.get(name),
      'network.preview': (r) => this.network.plan(r),
      'network.apply': (r) => this.network.apply(r),
      'network.undo': ({ token }) => this.network.undoChange(token),
      'network.forget': async ({ token }) => (this.network.forget(token), OK),
      // Validated here at the boundary; the pty host trusts its agents.
      // A booting container gets its shell once it can give one (guest-ready.ts).
      'terminal.open': async (r) => (await this.guestReady.wait(r.machine), t.request(owner, 'open', r)),
      'terminal.reattach': (r) => t.request(owner, 'reattach', r),
      'terminal.write': async (r) => (await t.request(owner, 'write', r), OK),
      'terminal.resize': async (r) => (await t.request(owner, 'resize', r), OK),
      'terminal.ack': async (r) => (await t.request(owner, 'ack', r), OK),
      'terminal.close': async (r) => (await t.request(owner, 'close', r), OK),
      'terminal.handoff': (r) => t.request(owner, 'handoff', r),
      'terminal.adopt': (r) => t.request(owner, 'adopt', r),
    };
  }

  /** A new client; `send` delivers frames to it (MessagePort or WebSocket). */
  connect(send: (f: ClientFrameOut) => void): Client {
    const owner = `c${this.nextClient++}`;
    this.clients.set(owner, send);
    const dispatcher = new Dispatcher(this.handlers(owner));
    send({ t: 'evt', name: 'host.status', payload: this.machines.info });
    return {
      receive: async (frame) => {
        const f = frame as { t?: unknown; id?: unknown; method?: unknown; params?: unknown };
        if (!f || f.t !== 'req' || typeof f.id !== 'number') return;
        const r = await dispatcher.dispatch(f.method, f.params);
        send(r.ok ? { t: 'res', id: f.id, ok: true, result: r.result } : { t: 'res', id: f.id, ok: false, error: r.error });
      },
      close: () => {
        this.clients.delete(owner);
        this.terminals.request(owner, 'closeOwner').catch((e: Error) => log(`agent: leaving ${owner}'s shells for re-attach: ${e.message}`));
        this.journal.closeOwner(owner);
      },
    };
  }
}
