// A .nspawn file as the Settings form sees it, and the form written back into it losslessly: only
// the lines of a changed value change; comments, unknown keys and lines the form cannot show
// (a Bind= with +/- prefixes, Boot=, Parameters=, credential keys newer nspawns read) stay as
// they are. A preview redacts any secret a hand-written line holds.
import { getValues, parseUnit, serializeUnit, setValues, type UnitDoc } from '../../shared/unitfile.js';
import { CONTROL, SettingsBind, SettingsForm, type SettingsPort } from '../../shared/settings.js';


export interface FileForm {
  form: SettingsForm;
  /** Values kept as they are because the form cannot show them, per key. */
  kept: Record<string, string[]>;
  fixed: { key: string; value: string }[];
  /** Each shown item's line value as written, so an unchanged item keeps its spelling ("8080" stays "8080"). */
  raw: Map<string, string>;
}

const itemKey = (key: string, item: unknown) => `${key}\0${JSON.stringify(item)}`;

function parseBind(v: string, readOnly: boolean): SettingsBind | undefined {
  const parts = v.split(':');
  if (parts.length > 3) return undefined;
  const [source, target = source, opts = ''] = parts;
  const b = { source, target, readOnly, options: opts ? opts.split(',') : [] };
  const ok = SettingsBind.safeParse(b);
  return ok.success ? ok.data : undefined;
}

function parsePort(v: string): SettingsPort | undefined {
  const m = /^(?:(tcp|udp):)?(\d{1,5})(?::(\d{1,5}))?$/.exec(v.trim());
  if (!m) return undefined;
  const host = Number(m[2]);
  const container = m[3] ? Number(m[3]) : host;
  if (host < 1 || host > 65535 || container < 1 || container > 65535) return undefined;
  return { protocol: (m[1] ?? 'tcp') as 'tcp' | 'udp', host, container };
}

export function readForm(text: string): FileForm {
  const doc = parseUnit(text);
  const kept: Record<string, string[]> = {};
  const keep = (key: string, v: string) => (kept[key] ??= []).push(v);
  const raw = new Map<string, string>();
  const binds: SettingsBind[] = [];
  for (const [key, ro] of [['Bind', false], ['BindReadOnly', true]] as const) {
    for (const v of getValues(doc, 'Files', key)) {
      const b = parseBind(v, ro);
      if (b) {
        binds.push(b);
        raw.set(itemKey(key, b), v);
      } else keep(key, v);
    }
  }
  const tmpfs: string[] = [];
  for (const v of getValues(doc, 'Files', 'TemporaryFileSystem')) {
    if (/^\/[^:\s]*$/.test(v) && !v.split('/').includes('..')) tmpfs.push(v);
    else keep('TemporaryFileSystem', v);
  }
  const ports: SettingsPort[] = [];
  for (const v of getValues(doc, 'Network', 'Port')) {
    const p = parsePort(v);
    if (p) {
      ports.push(p);
      raw.set(itemKey('Port', p), v);
    } else keep('Port', v);
  }
  const environment: { name: string; value: string }[] = [];
  for (const v of getValues(doc, 'Exec', 'Environment')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]{0,127})=(.*)$/.exec(v);
    if (m && !CONTROL.test(m[2])) environment.push({ name: m[1], value: m[2] });
    else keep('Environment', v);
  }
  const last = (section: string, key: string) => getValues(doc, section, key).at(-1) ?? '';
  const yesNo = (v: string): '' | 'yes' | 'no' => (/^(yes|true|on|1)$/i.test(v) ? 'yes' : /^(no|false|off|0)$/i.test(v) ? 'no' : '');
  const fixed = ['Boot', 'Parameters', 'ProcessTwo'].flatMap((k) => getValues(doc, 'Exec', k).map((value) => ({ key: k, value })));
  const privateUsers = last('Exec', 'PrivateUsers');
  const form: SettingsForm = {
    // Credentials are not .nspawn lines on systemd 252 (agent/settings/credentials.ts).
    binds, tmpfs, ports, environment, credentials: [],
    ephemeral: yesNo(last('Exec', 'Ephemeral')),
    privateUsers: /^(|yes|no|pick|identity|\d{1,10}(:\d{1,10})?)$/.test(privateUsers) ? privateUsers : '',
  };
  return { form, kept, fixed, raw };
}

/**
 * A key's new values in file order: lines the form keeps stay where they are, the form's items
 * fill the slots of the items it showed, in order, and extra items go at the end.
 */
function merged(doc: UnitDoc, section: string, key: string, kept: string[], items: string[]): string[] {
  const rest = [...kept];
  const queue = [...items];
  const out: string[] = [];
  for (const v of getValues(doc, section, key)) {
    if (rest[0] === v) out.push(rest.shift()!);
    else if (queue.length) out.push(queue.shift()!);
  }
  return [...out, ...rest, ...queue];
}

/** Sets `key` in the first `[section]` only, dropping it from later sections of the same name. */
function setKey(doc: UnitDoc, section: string, key: string, values: string[]): UnitDoc {
  const first = doc.lines.findIndex((l) => l.kind === 'section' && l.section === section);
  let inFirst = false;
  const lines = doc.lines.filter((l, i) => {
    if (l.kind === 'section') inFirst = i === first;
    return inFirst || first < 0 || !(l.kind === 'entry' && l.section === section && l.key === key);
  });
  return setValues({ ...doc, lines }, section, key, values);
}

/** The file's text with the form's values (credentials excepted: they are not .nspawn lines here). */
export function writeForm(text: string, form: SettingsForm): string {
  const { kept, raw } = readForm(text);
  let doc = parseUnit(text);
  const k = (key: string) => kept[key] ?? [];
  const put = (section: string, key: string, items: string[]) => { doc = setKey(doc, section, key, merged(doc, section, key, k(key), items)); };
  const bind = (key: string) => (b: SettingsBind) => raw.get(itemKey(key, b)) ?? `${b.source}:${b.target}${b.options.length ? `:${b.options.join(',')}` : ''}`;
  put('Files', 'Bind', form.binds.filter((b) => !b.readOnly).map(bind('Bind')));
  put('Files', 'BindReadOnly', form.binds.filter((b) => b.readOnly).map(bind('BindReadOnly')));
  put('Files', 'TemporaryFileSystem', form.tmpfs);
  put('Network', 'Port', form.ports.map((p) => raw.get(itemKey('Port', p)) ?? `${p.protocol}:${p.host}:${p.container}`));
  put('Exec', 'Environment', form.environment.map((e) => `${e.name}=${e.value}`));
  doc = setKey(doc, 'Exec', 'Ephemeral', form.ephemeral ? [form.ephemeral] : []);
  doc = setKey(doc, 'Exec', 'PrivateUsers', form.privateUsers ? [form.privateUsers] : []);
  return serializeUnit(doc);
}

export function redact(text: string): string {
  return text.replace(/^([ \t]*(SetCredential|SetCredentialEncrypted)[ \t]*=[ \t]*[^:\n]*:).*$/gm, '$1(secret)');
}

export const hasSecrets = (text: string) => /^[ \t]*(SetCredential|SetCredentialEncrypted)[ \t]*=/m.test(text);
