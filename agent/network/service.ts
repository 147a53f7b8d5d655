// The Network panel's backend: effective config of both veth ends, preview, apply, reload, undo.
// Host files are read in a tree rooted at the host's `/`; a container's files only in a tree
// rooted at the container's own root (running: /proc/LEADER/root, stopped: its directory), so
// nothing the container made can lead a read or write out of it.
import { randomBytes } from 'node:crypto';
import type { Host } from '../host.js';
import type { MachineService } from '../machines/service.js';
import { M1, M1_MANAGER, M1_PATH } from '../machines/facts.js';
import { RpcError } from '../../shared/errors.js';
import { nixSnippet, SIDES, validateForm, type NetworkForm, type Side } from '../../shared/network.js';
import type { NetworkChange, NetworkPlan, NetworkView, SideView } from '../../shared/contract.js';
import { effectiveConfig, effectiveValues, isNixos, type EffectiveConfig } from './effective.js';
import { writeAtomic } from '../files/atomic-write.js';
import { ABSENT, RootedTree } from '../files/rooted-tree.js';
import { UndoLog, type UndoRecord } from '../files/undo-log.js';
import { applyMode, changedFields, DROPIN_NAME, OVERRIDE_PREFIX, planSide, type FileChange } from './plan.js';
import { NetworkdControl } from './networkd-control.js';
import { undoState, restoreFiles } from '../files/undo-state.js';

const NOT_ON_BUS = 'systemd-networkd is not on the system bus (it does not reconnect after a dbus restart)';

interface SideContext {
  side: Side;
  link: string;
  tree?: RootedTree;
  /** networkd on this side, when it can be reached (a stopped container has none). */
  control?: NetworkdControl;
  available: boolean;
  reason?: string;
  cfg: EffectiveConfig;
}
type Contexts = Record<Side, SideContext>;

/** For each list field, the file of its last entry (the "from FILE" of one-line hints). */
function lastFiles(items: Record<string, { file: string }[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(items).filter(([, l]) => l.length).map(([f, l]) => [f, l[l.length - 1].file]));
}

/** Where new list entries can go: any file of the link, or our runtime drop-in on NixOS. */
function addTargets(cfg: EffectiveConfig, mode: string): string[] {
  if (!cfg.main || mode === 'none') return [];
  if (mode === 'runtime') return [`/run/systemd/network/${cfg.fileName}.d/${DROPIN_NAME}`];
  return [cfg.main.rel, ...cfg.dropins.map((d) => d.rel)];
}

export class NetworkService {
  /** Changes whose record could not be written to the undo log: undoable until the app restarts. */
  private undo = new Map<string, UndoRecord>();
  private readonly log: UndoLog;

  constructor(private readonly host: Host, private readonly machines: MachineService) {
    this.log = new UndoLog(() => this.hostTree());
  }

  private hostTree(): RootedTree {
    return RootedTree.open('/', 'on the host');
  }

  /** The container's root as a tree; refuses a leader PID that no longer belongs to `name`. */
  private async containerTree(host: RootedTree, name: string, leader: number | undefined): Promise<RootedTree | undefined> {
    if (!leader) return host.subtree(`/var/lib/machines/${name}`, `in ${name}`);
    const tree = RootedTree.open(`/proc/${leader}/root`, `in ${name}`);
    try {
      const bus = this.machines.requireBus();
      const [byPid] = await bus.call(M1, M1_PATH, M1_MANAGER, 'GetMachineByPID', 'u', [leader]);
      const [byName] = await bus.call(M1, M1_PATH, M1_MANAGER, 'GetMachine', 's', [name]);
      if (byPid !== byName) throw new RpcError('conflict', `${name} restarted meanwhile; try again`);
      if (tree.identity() === host.identity()) throw new RpcError('failed', `${name} shares the host's root directory; its files are the host's`);
      return tree;
    } catch (e) {
      tree.close();
      throw e;
    }
  }

  private async withContexts<T>(name: string, fn: (ctx: Contexts) => Promise<T>): Promise<T> {
    const m = this.machines.list().find((x) => x.name === name);
    if (!m) throw new RpcError('not_found', `no machine ${name}`);
    const running = m.state === 'running' && !!m.leader;
    const host = this.hostTree();
    let container: RootedTree | undefined;
    try {
      let reason: string | undefined;
      try {
        container = await this.containerTree(host, name, running ? m.leader : undefined);
        if (container && !container.exists('/etc')) reason = `the container's files are not reachable (no /etc ${container.place})`;
        if (!container) reason = `the container's files are not reachable (stopped, no directory in /var/lib/machines)`;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // Limited access: a user cannot open another user's (root's) /proc/PID/root.
        if (code === 'EACCES' || code === 'EPERM') reason = `the container's files need administrative access (${(e as Error).message})`;
        else if (!(e instanceof RpcError)) throw e;
        else reason = e.message;
      }
      const hostSide: SideContext = {
        side: 'host', link: `ve-${name}`, tree: host, control: NetworkdControl.onHost(this.machines.requireBus()), available: true,
        cfg: effectiveConfig(host, { name: `ve-${name}`, kind: 'veth' }),
      };
      const containerSide: SideContext = {
        side: 'container', link: 'host0', tree: reason ? undefined : container, available: !reason, reason, cfg: { dropins: [] },
        control: running ? NetworkdControl.inMachine(this.host, name) : undefined,
      };
      if (containerSide.tree) {
        try {
          containerSide.cfg = effectiveConfig(containerSide.tree, { name: 'host0', kind: 'veth', virtualization: 'container' });
        } catch (e) {
          if (!(e instanceof RpcError)) throw e;
          Object.assign(containerSide, { available: false, reason: e.message });
        }
      }
      return await fn({ host: hostSide, container: containerSide });
    } finally {
      container?.close();
      host.close();
    }
  }

  get(name: string): Promise<NetworkView> {
    return this.withContexts(name, async (ctx) => {
      const sides = {} as Record<Side, SideView>;
      await Promise.all(SIDES.map(async (side) => { sides[side] = await this.sideView(ctx[side]); }));
      const last = [...this.undo.values()].reverse().find((r) => r.name === name) ?? this.log.latest(name);
      return {
        name, nixos: isNixos(ctx.host.tree!) || (!!ctx.container.tree && isNixos(ctx.container.tree)),
        host: sides.host, container: sides.container,
        lastChange: last && { token: last.token, at: last.at, files: last.files.map((f) => f.rel), ...undoState(last, (s) => ctx[s].tree) },
      };
    });
  }

  private async sideView(c: SideContext): Promise<SideView> {
    const { values, sources, items } = effectiveValues(c.cfg);
    let { mode, reason } = c.available && c.tree ? applyMode(c.tree, c.cfg) : { mode: 'none' as const, reason: c.reason };
    const tags: Record<string, string> = {};
    for (const f of [c.cfg.main, ...c.cfg.dropins]) if (f) tags[f.rel] = f.tag;
    if (c.cfg.fileName && c.tree) {
      // Files an apply may create: tags say they did not exist when the form was read.
      const f = c.cfg.fileName;
      try {
        for (const rel of [`/run/systemd/network/${f}.d/${DROPIN_NAME}`, `/run/systemd/network/${OVERRIDE_PREFIX}${f}`, `/etc/systemd/network/${f}`]) {
          tags[rel] ??= c.tree.read(rel).tag;
        }
      } catch (e) {
        if (!(e instanceof RpcError)) throw e;
        ({ mode, reason } = { mode: 'none', reason: e.message });
      }
    }
    const runtimeOnContainerStopped = c.side === 'container' && mode === 'runtime' && !c.control;
    return {
      link: c.link, available: c.available && mode !== 'none' && !runtimeOnContainerStopped,
      reason: runtimeOnContainerStopped ? 'NixOS container: start it to apply a runtime change' : reason,
      mode, file: c.cfg.main?.rel, dropins: c.cfg.dropins.map((d) => d.rel),
      values, sources: { ...lastFiles(items), ...sources } as Record<string, string>, items, addTargets: addTargets(c.cfg, mode),
      tags, live: await this.live(c),
    };
  }

  private async live(c: SideContext): Promise<SideView['live']> {
    if (!c.control) return { addresses: [] };
    try {
      if (!(await c.control.onBus())) return { addresses: [], error: NOT_ON_BUS };
      return await c.control.describe(c.link);
    } catch (e) {
      return { addresses: [], error: (e as Error).message };
    }
  }

  /** Refuses invalid forms before anything is opened or asked. */
  private validate(input: NetworkChange): void {
    const fields: Record<string, string> = {};
    for (const side of SIDES) {
      const f = input[side];
      if (f) for (const [k, v] of Object.entries(validateForm(side, f))) fields[`${side}.${k}`] = v;
    }
    if (Object.keys(fields).length) throw new RpcError('invalid_request', 'some network settings are not valid', fields);
  }

  /** Computes every file change of a validated change; writes nothing. */
  private planIn(ctx: Contexts, input: NetworkChange): { plan: NetworkPlan; changes: FileChange[] } {
    const changes: FileChange[] = [];
    const nix: Partial<Record<Side, Partial<NetworkForm>>> = {};
    const notes: string[] = [];
    let runtimeOnly = false;
    for (const side of SIDES) {
      const desired = input[side];
      if (!desired) continue;
      const c = ctx[side];
      const current = effectiveValues(c.cfg);
      const diff = changedFields(current.values, desired);
      if (!Object.keys(diff).length) continue;
      if (!c.tree || !c.available) throw new RpcError('failed', `cannot change the ${side} side: ${c.reason}`);
      const { mode, reason } = applyMode(c.tree, c.cfg);
      if (mode === 'none') throw new RpcError('failed', `cannot change the ${side} side: ${reason}`);
      const runtimeFile = mode === 'runtime' || (mode === 'edit' && c.cfg.main?.rel.startsWith('/run/'));
      if (runtimeFile) {
        if (side === 'container' && !c.control) throw new RpcError('failed', 'NixOS container: start it to apply a runtime change');
        runtimeOnly = true;
        nix[side] = diff;
      }
      if (reason) notes.push(`${side}: ${reason}`);
      changes.push(...planSide(side, c.tree, c.cfg, mode, current, diff, input.addTo?.[side]));
    }
    if (!changes.length) notes.push('Nothing to change: the files already say this.');
    const plan: NetworkPlan = {
      files: changes.map((c) => ({ side: c.side, path: c.rel, created: c.before === null, diff: c.diff })),
      runtimeOnly,
      nixSnippet: Object.keys(nix).length ? nixSnippet(input.name, nix) : undefined,
      notes,
    };
    return { plan, changes };
  }

  plan(input: NetworkChange): Promise<NetworkPlan> {
    this.validate(input);
    return this.withContexts(input.name, async (ctx) => this.planIn(ctx, input).plan);
  }

  apply(input: NetworkChange & { tags: Record<string, string> }) {
    this.validate(input);
    return this.withContexts(input.name, async (ctx) => {
      const { plan, changes } = this.planIn(ctx, input);
      const stale = (side: Side, rel: string) => new RpcError('conflict', `${ctx[side].tree!.where(rel)} changed since the form was loaded; reload and apply again`);
      for (const c of changes) if (c.tag !== (input.tags[c.rel] ?? ABSENT)) throw stale(c.side, c.rel);
      // The files the form was computed from must be the same ones, unchanged: otherwise the
      // change would land in a file the user never saw (another file took effect meanwhile).
      for (const side of new Set(changes.map((c) => c.side))) {
        const { main, dropins } = ctx[side].cfg;
        for (const f of [main, ...dropins]) if (f && input.tags[f.rel] !== f.tag) throw stale(side, f.rel);
      }
      if (!changes.length) return { ...plan, results: [] };
      const token = randomBytes(8).toString('hex');
      const seq = Math.max(this.log.nextSeq(), ...[...this.undo.values()].map((r) => r.seq + 1));
      const record: UndoRecord = { token, seq, name: input.name, at: new Date().toISOString(), files: [] };
      try {
        for (const c of changes) {
          const afterTag = writeAtomic(ctx[c.side].tree!, c.rel, c.after, c.tag);
          record.files.push({ side: c.side, rel: c.rel, before: c.before, afterTag });
        }
      } catch (e) {
        // Leave nothing half-applied. The write's error is what the user needs first; a failed
        // rollback is added to it.
        try {
          if (record.files.length) restoreFiles(record, (s) => ctx[s].tree, { skipChanged: true });
        } catch (rollback) {
          const err = e instanceof RpcError ? e : new RpcError('failed', (e as Error).message);
          throw new RpcError(err.code, `${err.message}; putting back what was written failed too: ${(rollback as Error).message}`);
        }
        throw e;
      }
      try {
        this.log.save(record);
      } catch (e) {
        this.undo.set(token, record);
        plan.notes.push(`Undo lasts until the app restarts: its record could not be saved (${(e as Error).message})`);
      }
      const results = await this.reload(ctx, new Set(changes.map((c) => c.side)));
      this.machines.refreshAddresses(input.name);
      return { ...plan, undoToken: token, results };
    });
  }

  /** Puts back the files of a change; finishes an undo that stopped part-way. */
  async undoChange(token: string): Promise<{ restored: string[]; results: { side: Side; ok: boolean; message: string }[] }> {
    const r = this.undo.get(token) ?? this.log.load(token);
    if (!r) throw new RpcError('not_found', 'nothing to undo (it was undone already, or is older than the last 20 changes)');
    return this.withContexts(r.name, async (ctx) => {
      const restored = restoreFiles(r, (s) => ctx[s].tree);
      this.forget(token);
      const results = await this.reload(ctx, new Set(r.files.map((f) => f.side)));
      this.machines.refreshAddresses(r.name);
      return { restored, results };
    });
  }

  /** Drops a change from the record without touching its files. */
  forget(token: string): void {
    this.undo.delete(token);
    this.log.remove(token);
  }

  /** networkctl reload + reconfigure on each side that changed; a networkd stopped on purpose stays stopped. */
  private async reload(ctx: Contexts, sides: Set<Side>) {
    const out: { side: Side; ok: boolean; message: string }[] = [];
    for (const side of sides) {
      const c = ctx[side];
      if (!c.control) {
        out.push({ side, ok: true, message: 'written; the container is stopped and reads it at its next start' });
        continue;
      }
      try {
        const state = await c.control.unitState();
        if (state !== 'active' && state !== 'reloading') {
          out.push({ side, ok: true, message: `written; systemd-networkd is ${state} ${side === 'host' ? 'on the host' : `in ${c.control.where}`}, so the change applies when it starts` });
          continue;
        }
        if (!(await c.control.onBus())) {
          // systemd-networkd (252) does not reconnect after dbus restarts, and a call to it would
          // wait for an activation that never comes. systemd itself reconnects: restart it there.
          await c.control.restart();
          out.push({ side, ok: true, message: `${NOT_ON_BUS}; restarted it to apply the change` });
          continue;
        }
        await c.control.reload();
        await c.control.reconfigure(c.link);
        out.push({ side, ok: true, message: `systemd-networkd reloaded and ${c.link} reconfigured` });
      } catch (e) {
        out.push({ side, ok: false, message: `written, but reloading systemd-networkd failed: ${(e as Error).message}` });
      }
    }
    return out;
  }
}
