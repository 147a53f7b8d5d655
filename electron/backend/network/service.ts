// The Network panel's backend: effective config of both veth ends, preview, apply, reload, undo.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Bus } from '../dbus/bus.js';
import type { Host } from '../host.js';
import type { MachineService } from '../machines/service.js';
import { formatAddress, SD, SD_MANAGER, SD_PATH } from '../machines/facts.js';
import { RpcError } from '../../../shared/errors.js';
import { nixSnippet, SIDES, validateForm, type NetworkForm, type Side } from '../../../shared/network.js';
import type { NetworkChange, NetworkPlan, NetworkView, SideView } from '../../../shared/contract.js';
import { effectiveConfig, effectiveValues, isNixos, type EffectiveConfig } from './effective.js';
import { ABSENT, readTagged, writeAtomic } from './files.js';
import { JOURNAL_DIR, UndoJournal, type UndoRecord } from './journal.js';
import { applyMode, changedFields, DROPIN_NAME, OVERRIDE_PREFIX, planSide, type FileChange } from './plan.js';

const N1 = 'org.freedesktop.network1';
const NOT_ON_BUS = 'systemd-networkd is not on the system bus (it does not reconnect after a dbus restart)';
const N1_PATH = '/org/freedesktop/network1';
const N1_MANAGER = `${N1}.Manager`;

interface SideContext {
  side: Side;
  link: string;
  root: string;
  busAddress?: string;
  available: boolean;
  reason?: string;
  cfg: EffectiveConfig;
}

export class NetworkService {
  /** Changes whose record could not be written to the journal: undoable until the app restarts. */
  private undo = new Map<string, UndoRecord>();
  private readonly journal: UndoJournal;

  constructor(private readonly host: Host, private readonly machines: MachineService) {
    this.journal = new UndoJournal(join(host.fsRoot, JOURNAL_DIR));
  }

  private contexts(name: string): Record<Side, SideContext> {
    const m = this.machines.list().find((x) => x.name === name);
    if (!m) throw new RpcError('not_found', `no machine ${name}`);
    const hostRoot = this.host.fsRoot;
    const running = m.state === 'running' && m.leader;
    const containerRoot = running ? `${hostRoot}/proc/${m.leader}/root` : `${hostRoot}/var/lib/machines/${name}`;
    const containerReachable = existsSync(join(containerRoot, 'etc'));
    return {
      host: {
        side: 'host', link: `ve-${name}`, root: hostRoot, busAddress: this.host.busAddress, available: true,
        cfg: effectiveConfig(hostRoot, { name: `ve-${name}`, kind: 'veth' }),
      },
      container: {
        side: 'container', link: 'host0', root: containerRoot,
        busAddress: running ? `unix:path=${containerRoot}/run/dbus/system_bus_socket` : undefined,
        available: containerReachable,
        reason: containerReachable ? undefined : `the container's files are not reachable (${running ? 'running' : 'stopped, no directory in /var/lib/machines'})`,
        cfg: containerReachable ? effectiveConfig(containerRoot, { name: 'host0', kind: 'veth', virtualization: 'container' }) : { dropins: [] },
      },
    };
  }

  async get(name: string): Promise<NetworkView> {
    const ctx = this.contexts(name);
    const sides = {} as Record<Side, SideView>;
    await Promise.all(SIDES.map(async (side) => {
      const c = ctx[side];
      const { values, sources } = effectiveValues(c.cfg);
      const { mode, reason } = c.available ? applyMode(c.root, c.cfg) : { mode: 'none' as const, reason: c.reason };
      const tags: Record<string, string> = {};
      for (const f of [c.cfg.main, ...c.cfg.dropins]) if (f) tags[f.rel] = f.tag;
      if (c.cfg.fileName) {
        // Files an apply may create: tags say they did not exist when the form was read.
        const f = c.cfg.fileName;
        for (const rel of [`/run/systemd/network/${f}.d/${DROPIN_NAME}`, `/run/systemd/network/${OVERRIDE_PREFIX}${f}`, `/etc/systemd/network/${f}`]) {
          tags[rel] ??= readTagged(join(c.root || '/', rel), c.root).tag;
        }
      }
      const runtimeOnContainerStopped = side === 'container' && mode === 'runtime' && !c.busAddress;
      sides[side] = {
        link: c.link, available: c.available && mode !== 'none' && !runtimeOnContainerStopped,
        reason: runtimeOnContainerStopped ? 'NixOS container: start it to apply a runtime change' : reason,
        mode, file: c.cfg.main?.rel, dropins: c.cfg.dropins.map((d) => d.rel),
        values, sources: sources as Record<string, string>, tags, live: await this.live(c),
      };
    }));
    const last = [...this.undo.values()].reverse().find((r) => r.name === name) ?? this.journal.latest(name);
    return {
      name, nixos: isNixos(this.host.fsRoot) || isNixos(ctx.container.root), host: sides.host, container: sides.container,
      lastChange: last && { token: last.token, at: last.at, files: last.files.map((f) => f.rel) },
    };
  }

  private async live(c: SideContext): Promise<SideView['live']> {
    if (!c.busAddress) return { addresses: [] };
    let bus: Bus | undefined;
    try {
      bus = c.side === 'host' ? this.machines.requireBus() : await Bus.connect(c.busAddress, 2000);
      if (!(await hasOwner(bus, N1))) return { addresses: [], error: NOT_ON_BUS };
      const [ifindex] = await bus.call(N1, N1_PATH, N1_MANAGER, 'GetLinkByName', 's', [c.link]);
      const [json] = await bus.call(N1, N1_PATH, N1_MANAGER, 'DescribeLink', 'i', [ifindex]);
      const d = JSON.parse(String(json)) as { OperationalState?: string; NetworkFile?: string; Addresses?: { Family: number; Address: number[]; PrefixLength: number }[] };
      return {
        operState: d.OperationalState, networkFile: d.NetworkFile,
        addresses: (d.Addresses ?? []).map((a) => `${formatAddress(a.Family, a.Address)}/${a.PrefixLength}`),
      };
    } catch (e) {
      return { addresses: [], error: (e as Error).message };
    } finally {
      if (c.side === 'container') bus?.disconnect();
    }
  }

  /** Validates both forms and computes every file change; writes nothing. */
  plan(input: NetworkChange): { plan: NetworkPlan; changes: FileChange[]; ctx: Record<Side, SideContext> } {
    const ctx = this.contexts(input.name);
    const fields: Record<string, string> = {};
    for (const side of SIDES) {
      const f = input[side];
      if (f) for (const [k, v] of Object.entries(validateForm(side, f))) fields[`${side}.${k}`] = v;
    }
    if (Object.keys(fields).length) throw new RpcError('invalid_request', 'some network settings are not valid', fields);
    const changes: FileChange[] = [];
    const nix: Partial<Record<Side, Partial<NetworkForm>>> = {};
    const notes: string[] = [];
    let runtimeOnly = false;
    for (const side of SIDES) {
      const desired = input[side];
      if (!desired) continue;
      const c = ctx[side];
      const { values } = effectiveValues(c.cfg);
      const diff = changedFields(values, desired);
      if (!Object.keys(diff).length) continue;
      const { mode, reason } = c.available ? applyMode(c.root, c.cfg) : { mode: 'none' as const, reason: c.reason };
      if (mode === 'none') throw new RpcError('failed', `cannot change the ${side} side: ${reason}`);
      const runtimeFile = mode === 'runtime' || (mode === 'edit' && c.cfg.main?.rel.startsWith('/run/'));
      if (runtimeFile) {
        if (side === 'container' && !c.busAddress) throw new RpcError('failed', 'NixOS container: start it to apply a runtime change');
        runtimeOnly = true;
        nix[side] = diff;
      }
      if (reason) notes.push(`${side}: ${reason}`);
      changes.push(...planSide(side, c.root, c.cfg, mode, values, diff));
    }
    const plan: NetworkPlan = {
      files: changes.map((c) => ({ side: c.side, path: c.rel, created: c.before === null, diff: c.diff })),
      runtimeOnly,
      nixSnippet: Object.keys(nix).length ? nixSnippet(input.name, nix) : undefined,
      notes,
    };
    return { plan, changes, ctx };
  }

  async apply(input: NetworkChange & { tags: Record<string, string> }) {
    const { plan, changes, ctx } = this.plan(input);
    for (const c of changes) {
      const expected = input.tags[c.rel] ?? ABSENT;
      if (c.tag !== expected) throw new RpcError('conflict', `${c.rel} changed since the form was loaded; reload and apply again`);
    }
    const token = randomBytes(8).toString('hex');
    const record: UndoRecord = { token, name: input.name, at: new Date().toISOString(), files: [] };
    try {
      for (const c of changes) {
        const afterTag = writeAtomic(c.abs, c.after, c.tag);
        record.files.push({ side: c.side, rel: c.rel, before: c.before, afterTag });
      }
    } catch (e) {
      try {
        this.restore(record, ctx); // leave nothing half-applied
      } catch {
        // a file changed under us meanwhile: the error below is what the user needs first
      }
      throw e;
    }
    try {
      this.journal.save(record);
    } catch (e) {
      this.undo.set(token, record);
      plan.notes.push(`Undo lasts until the app restarts: its record could not be saved (${(e as Error).message})`);
    }
    const results = await this.reload(ctx, new Set(changes.map((c) => c.side)));
    return { ...plan, undoToken: token, results };
  }

  /** Puts back the files of a change; refuses before writing anything if one changed since. */
  private restore(r: UndoRecord, ctx: Record<Side, SideContext>): string[] {
    const abs = (f: UndoRecord['files'][number]) => join(ctx[f.side].root || '/', f.rel);
    for (const f of r.files) {
      if (readTagged(abs(f)).tag !== f.afterTag) throw new RpcError('conflict', `${f.rel} changed since this change was applied; not undone`);
    }
    const restored: string[] = [];
    for (const f of [...r.files].reverse()) {
      writeAtomic(abs(f), f.before, f.afterTag);
      restored.push(f.rel);
    }
    return restored;
  }

  async undoChange(token: string): Promise<{ restored: string[]; results: { side: Side; ok: boolean; message: string }[] }> {
    const r = this.undo.get(token) ?? this.journal.load(token);
    if (!r) throw new RpcError('not_found', 'nothing to undo (it was undone already, or is older than the last 20 changes)');
    const ctx = this.contexts(r.name);
    const restored = this.restore(r, ctx);
    this.undo.delete(token);
    this.journal.remove(token);
    const results = await this.reload(ctx, new Set(r.files.map((f) => f.side)));
    return { restored, results };
  }

  /** networkctl reload + reconfigure, over D-Bus, on each side that changed. */
  private async reload(ctx: Record<Side, SideContext>, sides: Set<Side>) {
    const out: { side: Side; ok: boolean; message: string }[] = [];
    for (const side of sides) {
      const c = ctx[side];
      if (!c.busAddress) {
        out.push({ side, ok: true, message: 'written; the container is stopped and reads it at its next start' });
        continue;
      }
      let bus: Bus | undefined;
      try {
        bus = side === 'host' ? this.machines.requireBus() : await Bus.connect(c.busAddress, 3000);
        if (!(await hasOwner(bus, N1))) {
          // systemd-networkd (252) does not reconnect after dbus restarts, and a call to it would
          // wait for an activation that never comes. systemd itself reconnects: restart it there.
          await bus.call(SD, SD_PATH, SD_MANAGER, 'RestartUnit', 'ss', ['systemd-networkd.service', 'replace'], { interactive: true });
          out.push({ side, ok: true, message: `${NOT_ON_BUS}; restarted it to apply the change` });
          continue;
        }
        await bus.call(N1, N1_PATH, N1_MANAGER, 'Reload', '', [], { interactive: true });
        const [ifindex] = await bus.call(N1, N1_PATH, N1_MANAGER, 'GetLinkByName', 's', [c.link]);
        await bus.call(N1, N1_PATH, N1_MANAGER, 'ReconfigureLink', 'i', [ifindex], { interactive: true });
        out.push({ side, ok: true, message: `systemd-networkd reloaded and ${c.link} reconfigured` });
      } catch (e) {
        out.push({ side, ok: false, message: `written, but reloading systemd-networkd failed: ${(e as Error).message}` });
      } finally {
        if (side === 'container') bus?.disconnect();
      }
    }
    return out;
  }
}

/** Whether a well-known name has an owner now; the bus daemon answers at once. */
async function hasOwner(bus: Bus, name: string): Promise<boolean> {
  const [has] = await bus.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'NameHasOwner', 's', [name]);
  return has === true;
}
