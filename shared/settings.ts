// A machine's .nspawn settings as a form (binds, temporary file systems, ports, environment,
// ephemeral, user namespacing, credentials) and its resource limits. Checked strictly: each value
// becomes a line of a unit file or a systemd property. Secret values travel only towards the host.
import { z } from 'zod';
import { BindSourcePath, ContainerPath, HostPath } from './images.js';
import { MachineName } from './names.js';
import { nixString as nix } from './network.js';

/** Control characters (a newline in a value would start a new line of the unit file). */
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\0-\x1f\x7f]/;
export const BIND_OPTIONS = ['idmap', 'noidmap', 'rootidmap', 'norbind', 'rbind'] as const;

export const SettingsBind = z.object({
  source: BindSourcePath,
  target: ContainerPath,
  readOnly: z.boolean(),
  options: z.array(z.enum(BIND_OPTIONS)).max(5),
}).strict();
export type SettingsBind = z.infer<typeof SettingsBind>;

const Port = z.number().int().min(1, '1–65535').max(65535, '1–65535');
export const SettingsPort = z.object({ protocol: z.enum(['tcp', 'udp']), host: Port, container: Port }).strict();
export type SettingsPort = z.infer<typeof SettingsPort>;

export const EnvVar = z.object({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'letters, digits and _, not starting with a digit'),
  value: z.string().max(4096).refine((v) => !CONTROL.test(v), 'no control characters'),
}).strict();

/** Credential ids as systemd takes them: a file name, never a path. */
export const CredentialName = z.string().min(1, 'needed').max(255)
  .regex(/^[A-Za-z0-9_.@-]+$/, 'letters, digits and . _ - @ only (no "/")')
  .refine((n) => n !== '.' && n !== '..', 'not a file name');

export const CredentialKind = z.enum(['set', 'load', 'set-encrypted', 'load-encrypted']);
export type CredentialKind = z.infer<typeof CredentialKind>;

/**
 * A credential as the form sends it: `keep` leaves the file's line as it is (the form never saw
 * its value); otherwise `value` (set: the secret; encrypted on the host when `set-encrypted`) or
 * `source` (load: a host path) replaces it.
 */
export const CredentialEntry = z.object({
  name: CredentialName,
  kind: CredentialKind,
  keep: z.boolean(),
  value: z.string().max(65536).optional(),
  source: HostPath.optional(),
}).strict().superRefine((c, ctx) => {
  if (c.keep) return;
  const set = c.kind === 'set' || c.kind === 'set-encrypted';
  if (set && (c.value === undefined || c.value === '')) ctx.addIssue({ code: 'custom', path: ['value'], message: 'the secret value' });
  if (!set && !c.source) ctx.addIssue({ code: 'custom', path: ['source'], message: 'a file on the host' });
});
export type CredentialEntry = z.infer<typeof CredentialEntry>;

const TriState = z.enum(['', 'yes', 'no']);

export const SettingsForm = z.object({
  binds: z.array(SettingsBind).max(32),
  tmpfs: z.array(ContainerPath).max(16),
  ports: z.array(SettingsPort).max(32),
  environment: z.array(EnvVar).max(64),
  ephemeral: TriState,
  /** '' (nspawn's default), yes, no, pick, identity, or a UID base. */
  privateUsers: z.string().regex(/^(|yes|no|pick|identity|\d{1,10}(:\d{1,10})?)$/, 'yes, no, pick, identity or a UID[:count]'),
  credentials: z.array(CredentialEntry).max(64),
}).strict().superRefine((f, ctx) => {
  const seen = (items: string[], path: string, what: string) => items.forEach((v, i) => {
    if (items.indexOf(v) !== i) ctx.addIssue({ code: 'custom', path: [path, i], message: what });
  });
  seen(f.binds.map((b) => b.target), 'binds', 'bound twice');
  seen(f.ports.map((p) => `${p.protocol}:${p.host}`), 'ports', 'this host port is forwarded twice');
  seen(f.environment.map((e) => e.name), 'environment', 'set twice');
  seen(f.credentials.map((c) => c.name), 'credentials', 'a credential of this name exists already');
});
export type SettingsForm = z.infer<typeof SettingsForm>;

/** Resource limits of systemd-nspawn@NAME.service; absent = no limit (or, read back, infinity). */
export const Limits = z.object({
  memoryMax: z.number().int().min(1).max(2 ** 52).optional(),
  memoryHigh: z.number().int().min(1).max(2 ** 52).optional(),
  /** Percent of one CPU (200 = two CPUs). */
  cpuQuota: z.number().int().min(1).max(100_000).optional(),
  cpuWeight: z.number().int().min(1).max(10_000).optional(),
  tasksMax: z.number().int().min(1).max(4_194_304).optional(),
  ioWeight: z.number().int().min(1).max(10_000).optional(),
}).strict();
export type Limits = z.infer<typeof Limits>;

/** What the host says: the form's values, which file they come from, what nixos-nspawn generated. */
export const SettingsView = z.object({
  name: z.string(),
  /** The file changes go to ("created" when there is none yet) and its tag for the write. */
  file: z.string(),
  exists: z.boolean(),
  tag: z.string(),
  /** Runtime only: /etc is the Nix store's, so the change goes to /run and lasts until reboot. */
  runtime: z.boolean(),
  /** Why this host's settings of the machine cannot be changed here (NixOS: a store file in /etc). */
  blocked: z.string().optional(),
  form: SettingsForm,
  /** Lines the form leaves as they are, shown read-only (Boot=, Parameters= of nixos-nspawn). */
  fixed: z.array(z.object({ key: z.string(), value: z.string() })),
  /** Changed since the running machine started: applies at its next start. */
  pendingRestart: z.boolean(),
  limits: Limits,
});
export type SettingsView = z.infer<typeof SettingsView>;

export const SettingsChange = z.object({ name: MachineName, form: SettingsForm, tag: z.string().max(200) }).strict();
export type SettingsChange = z.infer<typeof SettingsChange>;

export const SettingsPlan = z.object({ file: z.string(), diff: z.string(), notes: z.array(z.string()), nixSnippet: z.string().optional() });
export type SettingsPlan = z.infer<typeof SettingsPlan>;



export const LimitsChange = z.object({
  name: MachineName, limits: Limits,
  /** now: the running unit (SetUnitProperties, runtime); persistent: a drop-in kept across boots. */
  runtime: z.boolean(), persistent: z.boolean(),
}).strict().refine((c) => c.runtime || c.persistent, { message: 'apply now, keep it, or both', path: ['persistent'] });
export type LimitsChange = z.infer<typeof LimitsChange>;

/** systemd's own spellings of the limits (drop-in lines and property names). */
export const LIMIT_KEYS: Record<keyof Limits, string> = {
  memoryMax: 'MemoryMax', memoryHigh: 'MemoryHigh', cpuQuota: 'CPUQuota', cpuWeight: 'CPUWeight', tasksMax: 'TasksMax', ioWeight: 'IOWeight',
};

const nixList = (xs: string[]) => `[ ${xs.map(nix).join(' ')} ]`;

/**
 * The form as NixOS options (systemd.nspawn.NAME.*Config, which nixos-nspawn's containers use),
 * credentials as the unit's LoadCredential= from files the admin keeps (never the values).
 */
export function settingsNixSnippet(name: string, f: SettingsForm): string {
  const n = `systemd.nspawn.${nix(name)}`;
  const bind = (b: SettingsBind) => `${b.source}:${b.target}${b.options.length ? `:${b.options.join(',')}` : ''}`;
  const out = [
    `${n}.filesConfig.Bind = ${nixList(f.binds.filter((b) => !b.readOnly).map(bind))};`,
    `${n}.filesConfig.BindReadOnly = ${nixList(f.binds.filter((b) => b.readOnly).map(bind))};`,
    `${n}.filesConfig.TemporaryFileSystem = ${nixList(f.tmpfs)};`,
    `${n}.networkConfig.Port = ${nixList(f.ports.map((p) => `${p.protocol}:${p.host}:${p.container}`))};`,
    `${n}.execConfig.Environment = ${nixList(f.environment.map((e) => `${e.name}=${e.value}`))};`,
  ];
  if (f.ephemeral) out.push(`${n}.execConfig.Ephemeral = ${f.ephemeral === 'yes'};`);
  if (f.privateUsers) out.push(`${n}.execConfig.PrivateUsers = ${nix(f.privateUsers)};`);
  if (f.credentials.length) {
    out.push(`# Credentials: keep each value in a root-only file and pass it to the container (values are never shown here).`);
    out.push(`systemd.services.${nix(`systemd-nspawn@${name}`)}.serviceConfig.LoadCredential = ${nixList(f.credentials.map((c) => `${c.name}:${c.source ?? `/etc/credstore/${name}/${c.name}`}`))};`);
  }
  return out.join('\n');
}
