// The host's system bus as the machine list needs it: connected (and reconnected a second after it
// is lost), systemd subscribed, machined followed, and the host's status saying all of that
// (HostInfo: connected, error, warning, epoch) honestly.
import { existsSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import type { HostInfo } from '../../shared/contract.js';
import { Bus } from '../dbus/bus.js';
import type { Host } from '../host.js';
import { M1, SD, SD_MANAGER, SD_PATH } from './facts.js';

export interface ConnectionUser {
  /** A fresh bus: subscribe to what you follow (before anything is read, so nothing is missed). */
  connected(bus: Bus): Promise<(() => Promise<void>)[]>;
  /** systemd is subscribed: read everything. The host shows as connected once this is done. */
  read(): Promise<void>;
  /** The bus is gone: what waits on it fails with `reason`. */
  lost(reason: string): void;
  /** machined or systemd came back (restarted): their signals were missed meanwhile. */
  serviceBack(): void;
}

const RECONNECT_MS = 1000;

export class HostConnection extends EventEmitter {
  private bus?: Bus;
  private status: HostInfo;
  private reconnectTimer?: NodeJS.Timeout;
  private unsubscribers: (() => Promise<void>)[] = [];
  private stopped = false;

  constructor(private readonly host: Host, private readonly user: ConnectionUser) {
    super();
    const access = process.getuid?.() === 0 ? 'admin' : 'limited';
    this.status = { label: host.label, kind: host.kind, busAddress: host.busAddress, connected: false, epoch: host.epoch, access, nixos: existsSync('/etc/NIXOS') };
  }

  get info(): HostInfo {
    return this.status;
  }

  /** The live bus, or a typed 'unavailable' error. */
  requireBus(): Bus {
    if (!this.bus || this.bus.isClosed) throw Object.assign(new Error('not connected to the system bus of ' + this.host.label), { dbusName: 'org.freedesktop.DBus.Error.Disconnected' });
    return this.bus;
  }

  /** The bus while connected, without an error (for work that just skips when it is gone). */
  get liveBus(): Bus | undefined {
    return this.bus && !this.bus.isClosed ? this.bus : undefined;
  }

  /** The run of the pty host the host's shells belong to (HostInfo.epoch). */
  setEpoch(epoch: string): void {
    if (this.status.epoch !== epoch) this.update({ epoch });
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect().catch((e) => this.onDisconnect(e));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    // A RemoveMatch that fails changes nothing: the bus is disconnected next, which drops every
    // match rule of this connection in dbus-daemon anyway.
    for (const u of this.unsubscribers) await u().catch(() => undefined);
    this.unsubscribers = [];
    this.bus?.disconnect();
    this.bus = undefined;
  }

  private update(patch: Partial<HostInfo>): void {
    this.status = { ...this.status, ...patch };
    this.emit('status', this.status);
  }

  private machinedMissing(): string {
    return `systemd-machined is not running on ${this.host.label}; the list may be stale, and actions on running machines are refused`;
  }

  private setWarning(warning: string | undefined): void {
    if (this.status.warning !== warning) this.update({ warning });
  }

  private async subscribeSystemd(bus: Bus): Promise<void> {
    try {
      await bus.call(SD, SD_PATH, SD_MANAGER, 'Subscribe');
    } catch (e) {
      this.setWarning(`systemd on ${this.host.label} did not accept a subscription (${(e as Error).message}); starts and stops may show late`);
    }
  }

  private async connect(): Promise<void> {
    const bus = await Bus.connect(this.host.busAddress);
    this.bus = bus;
    bus.once('close', (err) => this.onDisconnect(err));
    await bus.followNameOwners();
    this.unsubscribers = await this.user.connected(bus);
    // A restarted machined or systemd forgets nothing we need, but its signals were missed.
    // systemd forgets our Subscribe when it re-executes: subscribe again. Machined gone: say so.
    bus.on('nameOwnerChanged', (name: string, owner: string) => {
      if (name === M1) this.setWarning(owner ? undefined : this.machinedMissing());
      if (name === SD && owner) void this.subscribeSystemd(bus);
      if ((name === M1 || name === SD) && owner) this.user.serviceBack();
    });
    // Without Subscribe systemd sends no job or unit signals: a failure is an error, not ignored.
    await bus.call(SD, SD_PATH, SD_MANAGER, 'Subscribe');
    const [machined] = await bus.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'NameHasOwner', 's', [M1]);
    await this.user.read();
    this.update({ connected: true, error: undefined, warning: machined === true ? undefined : this.machinedMissing() });
  }

  private onDisconnect(err?: unknown): void {
    if (this.stopped) return;
    this.bus = undefined;
    this.unsubscribers = [];
    this.user.lost('lost the connection to the system bus');
    this.update({ connected: false, error: `lost the system bus connection${err ? `: ${String((err as Error).message ?? err)}` : ''}; reconnecting` });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch((e) => this.onDisconnect(e));
    }, RECONNECT_MS);
  }
}
