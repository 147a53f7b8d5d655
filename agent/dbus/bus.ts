// A thin layer over dbus-next's low-level MessageBus.
// Why not its proxies: they cannot set ALLOW_INTERACTIVE_AUTHORIZATION, and their match rules are
// never removed (dbus-next 0.10.2 swaps hasOwnProperty's arguments), so we own both here.
import dbus from 'dbus-next';
import { EventEmitter } from 'node:events';

const { Message, sessionBus } = dbus;
type DbusMessage = InstanceType<typeof Message>;

/** org.freedesktop.DBus header flag: let polkit ask the user. */
export const ALLOW_INTERACTIVE_AUTHORIZATION = 0x4;
const METHOD_CALL = 1;
const SIGNAL = 4;
/**
 * dbus-daemon refuses a connection's 129th pending call (max_replies_per_connection = 128 on the
 * system bus), so at most this many are in flight; the rest wait in order. A 1000-machine relist
 * would otherwise fail outright.
 */
export const MAX_IN_FLIGHT = 96;

export interface CallOptions {
  interactive?: boolean;
  timeoutMs?: number;
}

export interface SignalMatch {
  sender?: string;
  path?: string;
  pathNamespace?: string;
  arg0?: string;
  interface?: string;
  member?: string;
}

export interface Signal {
  sender: string;
  path: string;
  interface: string;
  member: string;
  body: unknown[];
}

/** systemd's and machined's "not set / unknown / infinity" for a uint64 property. */
export const UINT64_MAX = 2n ** 64n - 1n;

/** A uint64 read from D-Bus as a number; undefined when absent or UINT64_MAX. */
export function uint64(v: unknown): number | undefined {
  const b = typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : undefined;
  return b === undefined || b === UINT64_MAX ? undefined : Number(b);
}

export class BusError extends Error {
  constructor(readonly dbusName: string, message: string) {
    super(message);
  }
}

function matchRule(m: SignalMatch): string {
  const parts = ["type='signal'"];
  if (m.sender) parts.push(`sender='${m.sender}'`);
  if (m.interface) parts.push(`interface='${m.interface}'`);
  if (m.member) parts.push(`member='${m.member}'`);
  if (m.path) parts.push(`path='${m.path}'`);
  if (m.pathNamespace) parts.push(`path_namespace='${m.pathNamespace}'`);
  if (m.arg0) parts.push(`arg0='${m.arg0}'`);
  return parts.join(',');
}

function matches(m: SignalMatch, s: Signal, owners: Map<string, string>): boolean {
  if (m.path && m.path !== s.path) return false;
  if (m.pathNamespace && s.path !== m.pathNamespace && !s.path.startsWith(`${m.pathNamespace}/`)) return false;
  if (m.arg0 && s.body[0] !== m.arg0) return false;
  if (m.interface && m.interface !== s.interface) return false;
  if (m.member && m.member !== s.member) return false;
  if (m.sender && m.sender !== s.sender && owners.get(m.sender) !== s.sender) return false;
  return true;
}

/**
 * One connection to a system bus (local or a sandbox's socket). Emits 'close' once when the
 * connection is gone; callers reconnect with a new Bus.
 */
export class Bus extends EventEmitter {
  private readonly raw: ReturnType<typeof sessionBus>;
  private readonly rules = new Map<string, number>();
  private readonly subs = new Set<{ m: SignalMatch; fn: (s: Signal) => void }>();
  private readonly owners = new Map<string, string>();
  private closed = false;
  /** Counts every message we send, so benchmarks can prove idleness. */
  sent = 0;
  /** The same, by member (e.g. 'GetMachineAddresses'), so a benchmark can say what was sent. */
  readonly sentByMember: Record<string, number> = {};
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  private constructor(readonly address: string) {
    super();
    this.raw = sessionBus({ busAddress: address, authMethods: ['EXTERNAL'] });
    const conn = (this.raw as unknown as { _connection: EventEmitter })._connection;
    const onGone = (err?: unknown) => {
      if (this.closed) return;
      this.closed = true;
      this.emit('close', err);
    };
    conn.on('end', () => onGone());
    conn.on('close', () => onGone());
    this.raw.on('error', (e: unknown) => onGone(e));
    this.raw.on('message', (msg: DbusMessage) => {
      if (msg.type !== SIGNAL) return;
      const s: Signal = {
        sender: msg.sender, path: msg.path, interface: msg.interface, member: msg.member, body: msg.body,
      };
      for (const sub of this.subs) if (matches(sub.m, s, this.owners)) sub.fn(s);
    });
  }

  static connect(address: string, timeoutMs = 5000): Promise<Bus> {
    const bus = new Bus(address);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        bus.disconnect();
        reject(new Error(`D-Bus connect to ${address} timed out`));
      }, timeoutMs);
      bus.raw.once('connect', () => {
        clearTimeout(timer);
        resolve(bus);
      });
      bus.once('close', (err) => {
        clearTimeout(timer);
        reject(new Error(`D-Bus connect to ${address} failed: ${String(err ?? 'closed')}`));
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async call(
    destination: string, path: string, iface: string, member: string,
    signature = '', body: unknown[] = [], opts: CallOptions = {},
  ): Promise<unknown[]> {
    if (this.closed) throw new BusError('org.freedesktop.DBus.Error.Disconnected', 'D-Bus connection is closed');
    if (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.waiting.shift()?.();
    };
    try {
      return await this.send(destination, path, iface, member, signature, body, opts, release);
    } catch (e) {
      if (!(e instanceof BusError && e.dbusName === 'org.freedesktop.DBus.Error.Timeout')) release();
      throw e;
    }
  }

  /** Calls waiting for a slot (for tests and benchmarks). */
  get queued(): number {
    return this.waiting.length;
  }

  /** `release` frees the call's slot once the bus has answered: a call we stopped waiting for
   * (our timeout) is still pending at dbus-daemon, which counts it against the 128. */
  private async send(
    destination: string, path: string, iface: string, member: string,
    signature: string, body: unknown[], opts: CallOptions, release: () => void,
  ): Promise<unknown[]> {
    if (this.closed) throw new BusError('org.freedesktop.DBus.Error.Disconnected', 'D-Bus connection is closed');
    const msg = new Message({
      type: METHOD_CALL, destination, path, interface: iface, member, signature, body,
      flags: opts.interactive ? ALLOW_INTERACTIVE_AUTHORIZATION : 0,
    } as ConstructorParameters<typeof Message>[0]);
    this.sent++;
    this.sentByMember[member] = (this.sentByMember[member] ?? 0) + 1;
    const reply = this.raw.call(msg);
    reply.then(release, release);
    const timeoutMs = opts.timeoutMs ?? 25_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BusError('org.freedesktop.DBus.Error.Timeout', `${member} timed out`)), timeoutMs);
    });
    try {
      const r = await Promise.race([reply, timeout]);
      return r?.body ?? [];
    } catch (e) {
      const err = e as { type?: string; text?: string; message?: string };
      if (e instanceof BusError) throw e;
      throw new BusError(err.type ?? 'org.freedesktop.DBus.Error.Failed', err.text ?? err.message ?? String(e));
    } finally {
      clearTimeout(timer);
    }
  }

  async getProperty(destination: string, path: string, iface: string, prop: string): Promise<unknown> {
    const [v] = await this.call(destination, path, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [iface, prop]);
    return (v as { value: unknown }).value;
  }

  async getAllProperties(destination: string, path: string, iface: string): Promise<Record<string, unknown>> {
    const [v] = await this.call(destination, path, 'org.freedesktop.DBus.Properties', 'GetAll', 's', [iface]);
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v as Record<string, { value: unknown }>)) out[k] = val.value;
    return out;
  }

  /** Subscribes to signals; the returned function removes the match rule when the last user goes. */
  async subscribe(m: SignalMatch, fn: (s: Signal) => void): Promise<() => Promise<void>> {
    const rule = matchRule(m);
    const sub = { m, fn };
    if (m.sender && !m.sender.startsWith(':')) await this.trackOwner(m.sender);
    const n = this.rules.get(rule) ?? 0;
    this.rules.set(rule, n + 1);
    if (n === 0) await this.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'AddMatch', 's', [rule]);
    this.subs.add(sub);
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      this.subs.delete(sub);
      const left = (this.rules.get(rule) ?? 1) - 1;
      if (left > 0) return void this.rules.set(rule, left);
      this.rules.delete(rule);
      if (!this.closed) {
        await this.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RemoveMatch', 's', [rule])
          .catch(() => undefined);
      }
    };
  }

  /** Number of match rules this connection holds on the bus. */
  get matchRuleCount(): number {
    return this.rules.size;
  }

  private async trackOwner(name: string): Promise<void> {
    if (this.owners.has(name)) return;
    this.owners.set(name, '');
    try {
      const [owner] = await this.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'GetNameOwner', 's', [name]);
      this.owners.set(name, String(owner));
    } catch {
      // Not running yet; NameOwnerChanged fills it in.
    }
  }

  /** Well-known names resolve to unique senders; keep them current across service restarts. */
  async followNameOwners(): Promise<void> {
    await this.subscribe(
      { sender: 'org.freedesktop.DBus', interface: 'org.freedesktop.DBus', member: 'NameOwnerChanged' },
      (s) => {
        const [name, , newOwner] = s.body as string[];
        if (this.owners.has(name)) this.owners.set(name, newOwner);
        this.emit('nameOwnerChanged', name, newOwner);
      },
    );
  }

  disconnect(): void {
    if (!this.closed) {
      this.closed = true;
      this.emit('close');
    }
    this.raw.disconnect();
  }
}
