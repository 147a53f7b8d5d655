// A container's OS and addresses: machined reads them inside the container (it forks into its
// namespaces for each), so they are fetched once per instance, a few at a time, and only a real
// difference is reported. On a host with thousands of machines this keeps the bus free for what
// a person asks and the windows free of lists that did not change.
import type { Bus } from '../dbus/bus.js';
import type { Entry } from './machine-entry.js';
import { machineAddresses, machineOs } from './facts.js';
import { Slots } from './slots.js';

// Addresses arrive after DHCP, which no machined signal reports: re-read them a few times after a
// machine appears, then never again (bounded, not polling).
const ADDRESS_RETRIES_MS = [1000, 2000, 4000, 8000, 16000];
/** Extras reads in flight at once: machined serves them one by one, and everything else waits behind. */
const IN_FLIGHT = 4;

export class MachineExtras {
  private readonly slots = new Slots(IN_FLIGHT);
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly queued = new Set<string>();

  constructor(private readonly host: {
    bus(): Bus | undefined;
    entry(name: string): Entry | undefined;
    /** OS or addresses of a machine differ from what the list said. */
    changed(name: string): void;
  }) {}

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** A new instance: its OS and addresses, with the bounded re-reads while it waits for a lease. */
  fetch(name: string): void {
    // One read waiting per machine: it reads whichever instance runs when its turn comes.
    if (this.queued.has(name)) return;
    this.queued.add(name);
    void this.read(name, 0).finally(() => this.queued.delete(name));
  }

  /**
   * A network apply or undo changes addresses, which no signal reports: read them now and twice
   * more while networkd re-adds them (bounded, like the reads after a start).
   */
  refreshAddresses(name: string): void {
    clearTimeout(this.timers.get(name));
    this.timers.delete(name);
    for (const ms of [0, 1000, 3000]) setTimeout(() => void this.read(name, ADDRESS_RETRIES_MS.length), ms).unref();
  }

  private async read(name: string, attempt: number): Promise<void> {
    const got = await this.slots.run(async () => {
      const bus = this.host.bus();
      const e = this.host.entry(name);
      if (!bus || !e?.machined) return undefined;
      const [os, addresses] = await Promise.all([
        // An OS machined cannot read (no os-release yet) is shown as unknown.
        e.os ? Promise.resolve(e.os) : machineOs(bus, name).catch(() => undefined),
        // Addresses machined could not read keep what the list said (not an empty list). Safe to
        // pass over: the next signal or retry reads them again; it fails for a machine going away
        // or while machined is swamped, where a log line per machine would flood at 10,000.
        machineAddresses(bus, name).catch(() => undefined),
      ]);
      return { leader: e.machined.leader, os, addresses };
    });
    const cur = this.host.entry(name);
    // Gone, or another instance, meanwhile: that one's own read follows.
    if (!got || !cur || cur.machined?.leader !== got.leader) return;
    const os = got.os;
    const addresses = got.addresses ?? cur.addresses;
    if (cur.os !== os || cur.addresses.join() !== addresses.join()) {
      cur.os = os;
      cur.addresses = addresses;
      this.host.changed(name);
    }
    const hasGlobal = addresses.some((a) => !a.startsWith('fe80:') && !a.startsWith('169.254.'));
    // Only a machine with a link of its own (a veth) is waiting for a lease; others never will be.
    const waitsForLease = (cur.machined?.netifs ?? 1) > 0;
    if (!hasGlobal && waitsForLease && attempt < ADDRESS_RETRIES_MS.length) {
      clearTimeout(this.timers.get(name));
      this.timers.set(name, setTimeout(() => {
        this.timers.delete(name);
        void this.read(name, attempt + 1);
      }, ADDRESS_RETRIES_MS[attempt]));
    }
  }
}
