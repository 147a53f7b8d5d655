// The live machine list of one host (its inventory), kept current by D-Bus signals only. The bus
// it is read through is connection.ts; actions on machines are actions.ts.
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import type { Bus } from '../dbus/bus.js';
import { HostConnection } from './connection.js';
import type { Host } from '../host.js';
import { compareNames, type Machine } from '../../shared/machine.js';
import { ChangeFeed } from './change-feed.js';
import { entryOf, sameInstance, toMachine, type Entry } from './machine-entry.js';
import { isValidMachineName, machineForUnit } from '../../shared/names.js';
import type { HostInfo } from '../../shared/contract.js';
import { RpcError } from '../../shared/errors.js';
import {
  M1, M1_MANAGER, M1_PATH, SD, SD_MANAGER, SD_PATH, getMachined, getUnit, hasImage, listImages, listMachined,
  listNspawnFiles, listNspawnUnits, isMachine, unitFileEnabled,
  type UnitFacts,
} from './facts.js';
import { JobTracker } from './jobs.js';
import { MachineExtras } from './extras.js';
import { log } from '../proc.js';

/** More changed machines than this at once are re-read with one full relist. */
const BURST = 32;

export class MachineService extends EventEmitter {
  private entries = new Map<string, Entry>();
  private dirty = new Set<string>();
  private flushTimer?: NodeJS.Timeout;
  private readonly feed = new ChangeFeed({
    ready: () => this.listed,
    list: () => this.list(),
    one: (n) => { const e = this.entries.get(n); return e && toMachine(n, e, this.jobs.pendingType(n)); },
    full: (list) => this.emit('changed', list),
    delta: (d) => this.emit('delta', d),
  });
  private readonly extras = new MachineExtras({
    bus: () => this.connection.liveBus,
    entry: (n) => this.entries.get(n),
    changed: (n) => {
      this.feed.changed(n);
      this.feed.schedule();
    },
  });
  private relisting?: Promise<void>;
  private relistAgain = false;
  /** Names a signal touched while a relist was reading: its snapshot is older than what they say. */
  private touchedDuringRelist?: Set<string>;
  private watchers: FSWatcher[] = [];
  /** Whether the list was ever read: before that, an empty list would be a wrong answer. */
  private listed = false;
  readonly jobs = new JobTracker();

  /** The host's bus, reconnected when lost; its status is the host's. */
  readonly connection: HostConnection;

  constructor(readonly host: Host) {
    super();
    this.connection = new HostConnection(host, {
      connected: (bus) => this.subscribe(bus),
      read: async () => {
        this.watchNspawnDirs();
        await this.relist();
      },
      lost: (reason) => this.jobs.failAll(reason),
      serviceBack: () => this.requestRelist(),
    });
    this.connection.on('status', (s: HostInfo) => this.emit('status', s));
  }

  get info(): HostInfo {
    return this.connection.info;
  }

  setEpoch(epoch: string): void {
    this.connection.setEpoch(epoch);
  }

  requireBus(): Bus {
    return this.connection.requireBus();
  }

  start(): Promise<void> {
    return this.connection.start();
  }

  async stop(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.feed.stop();
    this.extras.stop();
    for (const w of this.watchers) w.close();
    this.watchers = [];
    await this.connection.stop();
  }

  /** The machines as last read (the host's status says when that may be stale). */
  list(): Machine[] {
    if (!this.listed) throw new RpcError('unavailable', `the machines of ${this.host.label} cannot be read yet: ${this.info.error ?? 'connecting to its system bus'}`);
    return [...this.entries.entries()].map(([name, e]) => toMachine(name, e, this.jobs.pendingType(name)))
      .sort((a, b) => compareNames(a.name, b.name));
  }

  private readonly busHooks: ((bus: Bus) => Promise<() => Promise<void>>)[] = [];

  /** Others' subscriptions, made again on every fresh bus (their unsubscribe runs when it goes). */
  onFreshBus(hook: (bus: Bus) => Promise<() => Promise<void>>): void {
    this.busHooks.push(hook);
  }

  /** The signals the list follows. */
  private subscribe(bus: Bus): Promise<(() => Promise<void>)[]> {
    return Promise.all([
      ...this.busHooks.map((h) => h(bus)),
      bus.subscribe({ sender: M1, path: M1_PATH, interface: M1_MANAGER, member: 'MachineNew' }, (s) => this.touch(String(s.body[0]), true, String(s.body[1]))),
      bus.subscribe({ sender: M1, path: M1_PATH, interface: M1_MANAGER, member: 'MachineRemoved' }, (s) => this.touch(String(s.body[0]))),
      bus.subscribe({ sender: SD, path: SD_PATH, interface: SD_MANAGER, member: 'JobNew' }, (s) => this.onJob(s.body, false)),
      bus.subscribe({ sender: SD, path: SD_PATH, interface: SD_MANAGER, member: 'JobRemoved' }, (s) => this.onJob(s.body, true)),
      bus.subscribe({ sender: SD, path: SD_PATH, interface: SD_MANAGER, member: 'UnitFilesChanged' }, () => this.touchAll()),
      // After a daemon-reload (an admin removed a guest's files), what is declared is read afresh.
      bus.subscribe({ sender: SD, path: SD_PATH, interface: SD_MANAGER, member: 'Reloading' }, (s) => {
        if (s.body[0] === false) this.requestRelist();
      }),
      bus.subscribe({
        sender: SD, interface: 'org.freedesktop.DBus.Properties', member: 'PropertiesChanged',
        pathNamespace: '/org/freedesktop/systemd1/unit', arg0: `${SD}.Unit`,
      }, (s) => this.onUnitPath(s.path)),
    ]);
  }

  /** .nspawn files have no D-Bus signal; inotify tells us when containers are declared or removed. */
  private watchNspawnDirs(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    for (const dir of ['/etc/systemd/nspawn', '/run/systemd/nspawn']) {
      try {
        const w = watch(dir, (_ev, file) => {
          const m = /^(.+)\.nspawn$/.exec(String(file ?? ''));
          if (m && isValidMachineName(m[1])) this.touch(m[1]);
        });
        w.on('error', () => w.close());
        this.watchers.push(w);
      } catch {
        // directory absent: nothing declared there
      }
    }
  }

  /** One relist at a time (a later one must not be overtaken by an older snapshot), coalesced. */
  private requestRelist(): void {
    if (this.relisting) {
      this.relistAgain = true;
      return;
    }
    this.relisting = this.relist().catch((e: Error) => log(`relist of ${this.host.label} failed: ${e.message}`)).finally(() => {
      this.relisting = undefined;
      if (this.relistAgain) {
        this.relistAgain = false;
        this.requestRelist();
      }
    });
  }

  /** Full re-read, used at connect and after a service restart. */
  async relist(): Promise<void> {
    const bus = this.requireBus();
    const touched = new Set<string>();
    this.touchedDuringRelist = touched;
    try {
      await this.readAll(bus, touched);
    } finally {
      this.touchedDuringRelist = undefined;
    }
  }

  private async readAll(bus: Bus, touched: Set<string>): Promise<void> {
    const [machined, units, images] = await Promise.all([listMachined(bus), listNspawnUnits(bus), listImages(bus).catch(() => [] as string[])]);
    const files = listNspawnFiles();
    // '.host' is machined's entry for the host itself, not a container.
    const guests = machined.filter((m) => m.class !== 'host');
    const names = new Set<string>([...guests.map((m) => m.name), ...images, ...files.keys()]);
    const unitByName = new Map<string, UnitFacts>();
    for (const u of units) {
      const n = machineForUnit(u.name);
      if (n) { names.add(n); unitByName.set(n, u); }
    }
    const machinedByName = new Map(guests.map((m) => [m.name, m]));
    const imageSet = new Set(images);
    const next = new Map<string, Entry>();
    const fresh: string[] = [];
    await Promise.all([...names].map(async (name) => {
      const m = machinedByName.get(name);
      const unit = unitByName.get(name);
      const facts = { machined: m, unit, nspawnFile: files.get(name), image: imageSet.has(name) };
      // Asked only of declared names (a machine registered with machined alone has no unit file).
      // A unit loaded for no reason (a typo, a machine long gone) counts only when enabled.
      const autostart = facts.nspawnFile || facts.image || unit ? await unitFileEnabled(bus, name) : false;
      if (!isMachine({ machined: !!m, nspawnFile: files.has(name), image: facts.image, unit, autostart })) return;
      const prev = this.entries.get(name);
      next.set(name, entryOf(name, { ...facts, autostart }, prev));
      if (m?.class === 'container' && !sameInstance(m, prev)) fresh.push(name);
    }));
    // A machine that appeared during a long read (a burst of registrations) keeps its row, and one
    // that changed is read again, rather than the list going back to the snapshot's older state.
    for (const name of touched) {
      const live = this.entries.get(name);
      if (live) next.set(name, live);
      this.dirty.add(name);
    }
    if (touched.size) this.scheduleFlush();
    this.entries = next;
    this.listed = true;
    this.feed.changedAll();
    for (const name of fresh) this.extras.fetch(name);
    this.feed.schedule();
  }

  private onJob(body: unknown[], removed: boolean): void {
    const [id, path, unit, result] = body as [number, string, string, string?];
    const name = machineForUnit(unit);
    if (!name) return;
    if (removed) this.jobs.finished(path, String(result));
    else this.jobs.seen(name, Number(id), path);
    this.touch(name);
  }

  private onUnitPath(path: string): void {
    const leaf = path.slice(path.lastIndexOf('/') + 1);
    if (!leaf.startsWith('systemd_2dnspawn_40')) return;
    const unit = leaf.replace(/_([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    const name = machineForUnit(unit);
    if (name) this.touch(name);
  }

  private touchAll(): void {
    for (const n of this.entries.keys()) this.dirty.add(n);
    this.scheduleFlush();
  }

  /** Re-reads one machine soon (coalesced): after a signal, or an action that changes it. */
  touch(name: string, appeared = false, path?: string): void {
    this.dirty.add(name);
    this.touchedDuringRelist?.add(name);
    const e = this.entries.get(name);
    if (appeared && e) e.os = undefined;
    if (appeared && !e && path && this.listed && !name.startsWith('.')) {
      // A row at once from the signal's own data; the re-read fills in the rest.
      this.entries.set(name, { machined: { name, class: 'container', path, state: 'opening' }, autostart: undefined, image: false, addresses: [] });
      this.feed.appeared(name);
      this.feed.schedule();
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      const names = [...this.dirty];
      this.dirty.clear();
      // A burst (hundreds of machines registered at once) costs ~5 calls a machine one by one,
      // but ~1 a machine as one full re-read.
      if (names.length > BURST) this.requestRelist();
      else {
        // A machine not re-read keeps what the list last said; the next signal or relist reads it again.
        void Promise.all(names.map((n) => this.refreshOne(n).catch((e: Error) => log(`${n} not re-read: ${e.message}`))))
          .then(() => this.feed.schedule());
      }
    }, 20);
  }

  private async refreshOne(name: string): Promise<void> {
    const bus = this.connection.liveBus;
    if (!bus) return;
    const prev = this.entries.get(name);
    const [found, unit, autostart, image] = await Promise.all([
      getMachined(bus, name), getUnit(bus, name), unitFileEnabled(bus, name), hasImage(bus, name),
    ]);
    const machined = found?.class === 'host' ? undefined : found;
    const files = listNspawnFiles();
    this.feed.changed(name);
    if (!isMachine({ machined: !!machined, nspawnFile: files.has(name), image, unit, autostart })) {
      this.entries.delete(name);
      return;
    }
    this.entries.set(name, entryOf(name, { machined, unit, autostart, nspawnFile: files.get(name), image }, prev));
    if (machined?.class === 'container' && !sameInstance(machined, prev)) this.extras.fetch(name);
  }

  /** A network apply or undo changes addresses, which no signal reports. */
  refreshAddresses(name: string): void {
    this.extras.refreshAddresses(name);
  }
}
