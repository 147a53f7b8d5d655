// The Settings panel's backend: a machine's .nspawn as a form, preview, apply and undo through the
// same editing flow as the network panel (tag-checked atomic write, undo records on the host),
// credentials that never travel back, and resource limits of its unit (runtime and persistent).
import { randomBytes } from 'node:crypto';
import dbus from 'dbus-next';
import { RootedTree, withHostTree } from '../files/rooted-tree.js';
import { writeAtomic } from '../files/atomic-write.js';
import { uint64, UINT64_MAX } from '../dbus/bus.js';
import { UndoLog, type UndoRecord } from '../files/undo-log.js';
import { restoreFiles, undoState } from '../files/undo-state.js';
import { listNspawnFiles, SD, SD_MANAGER, SD_PATH, settingsChangedAt } from '../machines/facts.js';
import type { MachineService } from '../machines/service.js';
import { unitForMachine } from '../../shared/names.js';
import { RpcError } from '../../shared/errors.js';
import { unifiedDiff } from '../../shared/unitfile.js';
import { LIMIT_KEYS, settingsNixSnippet, type Limits, type LimitsChange, type SettingsChange, type SettingsPlan, type SettingsView } from '../../shared/settings.js';
import { hasSecrets, readForm, redact, writeForm } from './form-file.js';
import { readCredentials, writeCredentials } from './credentials.js';
import { log } from '../proc.js';

const UNDO_DIR = '/var/lib/nspawn-desktop/settings-undo';
const SETTINGS_FILE = /^\/(etc|run)\/systemd\/(nspawn\/[A-Za-z0-9.-]+\.nspawn|system\/systemd-nspawn@[A-Za-z0-9.-]+\.service\.d\/50-nspawn-desktop-limits\.conf)$/;
const limitsDropin = (name: string) => `/etc/systemd/system/${unitForMachine(name)}.d/50-nspawn-desktop-limits.conf`;

export class SettingsService {
  private readonly log: UndoLog;
  private readonly undo = new Map<string, UndoRecord>();

  constructor(private readonly machines: MachineService) {
    this.log = new UndoLog(() => RootedTree.open('/', 'on the host'), UNDO_DIR, SETTINGS_FILE);
  }

  /** Where this machine's settings are changed: its .nspawn, or /run on NixOS (whose /etc is the store's). */
  private target(t: RootedTree, name: string): { file: string; runtime: boolean; source?: string; blocked?: string } {
    const current = listNspawnFiles().get(name);
    const nixos = t.exists('/etc/NIXOS');
    if (nixos || t.read(current ?? `/etc/systemd/nspawn/${name}.nspawn`).symlinkTarget?.startsWith('/nix/store')) {
      // nspawn reads /etc/systemd/nspawn before /run/systemd/nspawn: a copy under /run of a file
      // that /etc has would never take effect. Such a machine changes through configuration.nix.
      const blocked = current?.startsWith('/etc/')
        ? `${current} comes from the Nix store, and nspawn reads it before anything under /run: change ${name} in configuration.nix (the preview gives the options)`
        : undefined;
      return { file: `/run/systemd/nspawn/${name}.nspawn`, runtime: true, source: current, blocked };
    }
    return { file: current ?? `/etc/systemd/nspawn/${name}.nspawn`, runtime: false, source: current };
  }

  private requireMachine(name: string) {
    const m = this.machines.list().find((x) => x.name === name);
    if (!m) throw new RpcError('not_found', `no machine ${name}`);
    return m;
  }

  get(name: string): Promise<SettingsView> {
    const m = this.requireMachine(name);
    return withHostTree(async (t) => {
      const { file, runtime, source, blocked } = this.target(t, name);
      const here = t.read(file);
      // A runtime copy starts from the file in effect.
      const text = here.text ?? (source && source !== file ? t.read(source).text : null) ?? '';
      const { form: fileForm, fixed } = readForm(text);
      const form = { ...fileForm, credentials: readCredentials(t, name) };
      const pendingRestart = m.state === 'running' && !!m.since && settingsChangedAt(name, here.text !== null ? file : undefined) > m.since;
      return { name, file, exists: here.text !== null, tag: here.tag, runtime, ...(blocked ? { blocked } : {}), form, fixed, pendingRestart, limits: await this.limits(name) };
    });
  }

  /** The file's text now and with the form's values, at `target` (this.target's answer). */
  private compute(t: RootedTree, r: SettingsChange, target: ReturnType<SettingsService['target']>) {
    const { file, runtime, source } = target;
    const here = t.read(file);
    if (here.tag !== r.tag) throw new RpcError('conflict', `${file} changed since the form was loaded; reload and apply again`);
    const before = here.text ?? (source && source !== file ? t.read(source).text : null) ?? '';
    const after = writeForm(before, r.form);
    return { file, runtime, here, before, after };
  }

  plan(r: SettingsChange): Promise<SettingsPlan> {
    this.requireMachine(r.name);
    return withHostTree(async (t) => {
      const target = this.target(t, r.name);
      const { file, runtime, here, before, after } = this.compute(t, r, target);
      const notes: string[] = [];
      const creds = credentialChanges(readCredentials(t, r.name), r.form.credentials);
      if (creds.length) notes.push(`Credentials: ${creds.join('; ')} (in root-only files, passed to the container at its next start).`);
      if (before === after && here.text !== null && !creds.length) notes.push('Nothing to change: the settings already say this.');
      if (target.blocked) notes.push(`Not applicable here: ${target.blocked}.`);
      else if (runtime) notes.push('NixOS: written under /run, lasting until reboot; make it permanent in configuration.nix.');
      return { file, diff: unifiedDiff(redact(here.text ?? ''), redact(after), file), notes, ...(runtime ? { nixSnippet: settingsNixSnippet(r.name, r.form) } : {}) };
    });
  }

  apply(r: SettingsChange): Promise<{ undoToken?: string; notes: string[]; restartNeeded: boolean }> {
    const m = this.requireMachine(r.name);
    return withHostTree(async (t) => {
      const target = this.target(t, r.name);
      if (target.blocked) throw new RpcError('unsupported_file', target.blocked);
      const { file, here, after } = this.compute(t, r, target);
      const notes: string[] = [];
      const credsChanged = credentialChanges(readCredentials(t, r.name), r.form.credentials).length > 0;
      if (credsChanged && await writeCredentials(t, this.machines.requireBus(), r.name, r.form.credentials)) {
        await this.machines.requireBus().call(SD, SD_PATH, SD_MANAGER, 'Reload', '', [], { interactive: true, timeoutMs: 60_000 });
        notes.push('Credentials saved; their values are not kept anywhere else and are never shown again.');
      }
      if (credsChanged) this.machines.touch(r.name);
      if (here.text === after) return { notes: notes.length ? [...notes, ...(m.state === 'running' ? [`Applies at the next start of ${r.name}.`] : [])] : ['Nothing to change: the settings already say this.'], restartNeeded: credsChanged && m.state === 'running' };
      const secret = hasSecrets(after) || hasSecrets(here.text ?? '');
      const afterTag = writeAtomic(t, file, after, here.tag, secret ? 0o600 : 0o644);
      let undoToken: string | undefined;
      if (credsChanged) notes.push('Undo is not offered for a change of credentials: their values are never kept.');
      else if (secret) {
        // The previous text holds secrets in clear: it is not kept anywhere, so there is no undo.
        notes.push('Undo is not offered for a file holding credential values: they are never kept.');
      } else {
        undoToken = randomBytes(8).toString('hex');
        const record: UndoRecord = { token: undoToken, seq: this.log.nextSeq(), name: r.name, at: new Date().toISOString(), files: [{ side: 'host', rel: file, before: here.text, afterTag }] };
        try {
          this.log.save(record);
        } catch (e) {
          this.undo.set(undoToken, record);
          notes.push(`Undo lasts until the app restarts: its record could not be saved (${(e as Error).message})`);
        }
      }
      this.machines.touch(r.name);
      const restartNeeded = m.state === 'running';
      if (restartNeeded) notes.push(`Applies at the next start of ${r.name}.`);
      return { undoToken, notes, restartNeeded };
    });
  }

  undoChange(token: string): Promise<{ restored: string[] }> {
    const rec = this.undo.get(token) ?? this.log.load(token);
    if (!rec) throw new RpcError('not_found', 'nothing to undo (it was undone already, or is older than the last 20 changes)');
    return withHostTree(async (t) => {
      if (undoState(rec, () => t).state === 'changed') throw new RpcError('conflict', `${rec.files[0].rel} changed since; not undone`);
      const restored = restoreFiles(rec, () => t);
      this.undo.delete(token);
      this.log.remove(token);
      return { restored };
    });
  }

  /** The unit's limits now (what systemd applies, runtime changes included); none = unset/infinity. */
  async limits(name: string): Promise<Limits> {
    const bus = this.machines.requireBus();
    let path: unknown;
    try {
      [path] = await bus.call(SD, SD_PATH, SD_MANAGER, 'LoadUnit', 's', [unitForMachine(name)]);
    } catch (e) {
      log(`limits of ${name}: unit not loaded (${(e as Error).message})`);
      return {};
    }
    const p = await bus.getAllProperties(SD, String(path), `${SD}.Service`);
    const quota = uint64(p.CPUQuotaPerSecUSec);
    return Object.fromEntries(Object.entries({
      memoryMax: uint64(p.MemoryMax), memoryHigh: uint64(p.MemoryHigh), cpuQuota: quota === undefined ? undefined : Math.round(quota / 10_000),
      cpuWeight: uint64(p.CPUWeight), tasksMax: uint64(p.TasksMax), ioWeight: uint64(p.IOWeight),
    }).filter(([, v]) => v !== undefined)) as Limits;
  }

  /** Sets every limit of the form (an absent one is lifted): on the unit now, in a drop-in, or both. */
  async setLimits(c: LimitsChange): Promise<{ notes: string[] }> {
    this.requireMachine(c.name);
    const bus = this.machines.requireBus();
    const unit = unitForMachine(c.name);
    const notes: string[] = [];
    const l = c.limits;
    if (c.runtime) {
      const t = (v: number | undefined) => new dbus.Variant('t', v === undefined ? UINT64_MAX : BigInt(v));
      const props: [string, InstanceType<typeof dbus.Variant>][] = [
        ['MemoryMax', t(l.memoryMax)], ['MemoryHigh', t(l.memoryHigh)],
        ['CPUQuotaPerSecUSec', t(l.cpuQuota === undefined ? undefined : l.cpuQuota * 10_000)],
        ['CPUWeight', t(l.cpuWeight)], ['TasksMax', t(l.tasksMax)], ['IOWeight', t(l.ioWeight)],
      ];
      await bus.call(SD, SD_PATH, SD_MANAGER, 'SetUnitProperties', 'sba(sv)', [unit, true, props], { interactive: true });
      notes.push('Set on the unit now (until it is reloaded or the host reboots).');
    }
    if (c.persistent) {
      await withHostTree(async (t) => {
        const rel = limitsDropin(c.name);
        const lines = (Object.keys(LIMIT_KEYS) as (keyof Limits)[]).filter((k) => l[k] !== undefined)
          .map((k) => `${LIMIT_KEYS[k]}=${k === 'cpuQuota' ? `${l[k]}%` : l[k]}`);
        const text = lines.length ? `# Written by nspawn desktop: resource limits of ${c.name}.\n[Service]\n${lines.join('\n')}\n` : null;
        writeAtomic(t, rel, text, t.read(rel).tag);
      });
      await bus.call(SD, SD_PATH, SD_MANAGER, 'Reload', '', [], { interactive: true, timeoutMs: 60_000 });
      notes.push(`Kept in ${limitsDropin(c.name)}.`);
    }
    return { notes };
  }
}

/** What changes between the credentials on the host and the form's, in words (no values). */
function credentialChanges(before: { name: string; kind: string }[], after: { name: string; kind: string; keep: boolean }[]): string[] {
  const out: string[] = [];
  for (const a of after) {
    const b = before.find((x) => x.name === a.name);
    if (!b) out.push(`add ${a.name}`);
    else if (!a.keep || b.kind !== a.kind) out.push(`replace ${a.name}`);
  }
  for (const b of before) if (!after.some((a) => a.name === b.name)) out.push(`remove ${b.name}`);
  return out;
}
