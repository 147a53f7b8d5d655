// A machine's credentials, the way systemd 252 can pass them: its nspawn reads no credential keys
// from .nspawn files, so each credential is a service credential of systemd-nspawn@NAME.service
// (LoadCredential= from a root-only file, or the user's own host file), handed on with
// --load-credential=ID:ID (relative: from the service's own $CREDENTIALS_DIRECTORY). A secret is
// written once into /etc/credstore/nspawn-desktop/NAME/ID (0600; encrypted ones by systemd-creds
// into /etc/credstore.encrypted/…) and never read back: the form gets names and kinds only.
import { spawn } from 'node:child_process';
import type { Bus } from '../dbus/bus.js';
import type { RootedTree } from '../files/rooted-tree.js';
import { removeFile, writeAtomic } from '../files/atomic-write.js';
import { RpcError } from '../../shared/errors.js';
import { unitForMachine } from '../../shared/names.js';
import { getValues, parseUnit } from '../../shared/unitfile.js';
import type { CredentialEntry } from '../../shared/settings.js';
import { SD, SD_MANAGER, SD_PATH } from '../machines/facts.js';

const PLAIN = '/etc/credstore/nspawn-desktop';
const ENCRYPTED = '/etc/credstore.encrypted/nspawn-desktop';
export const credentialsDropin = (name: string) => `/etc/systemd/system/${unitForMachine(name)}.d/50-nspawn-desktop-credentials.conf`;
const ours = (arg: string) => /^--load-credential=([A-Za-z0-9_.@-]+):\1$/.test(arg);

/** The credentials the drop-in passes: stored secrets as set / set-encrypted, host files as load. */
export function readCredentials(t: RootedTree, name: string): CredentialEntry[] {
  const text = t.read(credentialsDropin(name)).text;
  if (text === null) return [];
  const doc = parseUnit(text);
  const out: CredentialEntry[] = [];
  for (const [key, encrypted] of [['LoadCredential', false], ['LoadCredentialEncrypted', true]] as const) {
    for (const v of getValues(doc, 'Service', key)) {
      const i = v.indexOf(':');
      if (i <= 0) continue;
      const id = v.slice(0, i);
      const path = v.slice(i + 1);
      const stored = path === `${encrypted ? ENCRYPTED : PLAIN}/${name}/${id}`;
      out.push(stored ? { name: id, kind: encrypted ? 'set-encrypted' : 'set', keep: true } : { name: id, kind: encrypted ? 'load-encrypted' : 'load', keep: true, source: path });
    }
  }
  return out;
}

/** systemd-creds encrypt, the secret on stdin (never in argv, where ps shows it). */
function encrypt(c: CredentialEntry): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('systemd-creds', ['encrypt', `--name=${c.name}`, '-', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', (e) => reject(new RpcError('failed', `systemd-creds could not run: ${e.message}`)));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new RpcError('failed', `systemd-creds encrypt failed: ${err.trim().split('\n').pop() ?? `exit ${code}`}`))));
    p.stdin.end(c.value ?? '');
  });
}

/** The unit's own ExecStart (the template's, or ours from before without our arguments). */
async function baseExecStart(bus: Bus, name: string): Promise<string[]> {
  const [path] = await bus.call(SD, SD_PATH, SD_MANAGER, 'LoadUnit', 's', [unitForMachine(name)]);
  const exec = await bus.getProperty(SD, String(path), `${SD}.Service`, 'ExecStart') as [string, string[]][];
  if (!exec?.length) throw new RpcError('failed', `${unitForMachine(name)} has no ExecStart to pass credentials through`);
  const [program, argv] = exec[0];
  if (argv.some((a) => /[\s"'\\%$;]/.test(a))) throw new RpcError('unsupported_file', `${unitForMachine(name)}'s ExecStart has arguments this panel does not rewrite; pass credentials in a drop-in by hand`);
  return [program, ...argv.slice(1).filter((a) => !ours(a))];
}

/**
 * Makes the stored secrets and the drop-in say `entries`: new or replaced secrets written, those
 * removed deleted, host files referenced. Returns whether anything changed (systemd then reloads).
 */
export async function writeCredentials(t: RootedTree, bus: Bus, name: string, entries: CredentialEntry[]): Promise<boolean> {
  const before = readCredentials(t, name);
  const same = entries.length === before.length && entries.every((e, i) => e.keep && before[i]?.name === e.name && before[i]?.kind === e.kind);
  if (same) return false;
  const lines: string[] = [];
  for (const e of entries) {
    const encrypted = e.kind.endsWith('encrypted');
    const key = encrypted ? 'LoadCredentialEncrypted' : 'LoadCredential';
    if (e.kind === 'load' || e.kind === 'load-encrypted') {
      const old = before.find((b) => b.name === e.name && b.kind === e.kind);
      lines.push(`${key}=${e.name}:${e.keep ? old?.source : e.source}`);
      continue;
    }
    const file = `${encrypted ? ENCRYPTED : PLAIN}/${name}/${e.name}`;
    if (!e.keep) writeAtomic(t, file, encrypted ? await encrypt(e) : (e.value ?? ''), t.read(file).tag, 0o600);
    lines.push(`${key}=${e.name}:${file}`);
  }
  // Secrets of credentials no longer listed (or now of the other kind) are deleted.
  for (const b of before) {
    if (b.kind !== 'set' && b.kind !== 'set-encrypted') continue;
    if (entries.some((e) => e.name === b.name && e.kind === b.kind)) continue;
    removeFile(t, `${b.kind === 'set' ? PLAIN : ENCRYPTED}/${name}/${b.name}`);
  }
  const rel = credentialsDropin(name);
  if (!entries.length) {
    writeAtomic(t, rel, null, t.read(rel).tag);
    return true;
  }
  const argv = [...(await baseExecStart(bus, name)), ...entries.map((e) => `--load-credential=${e.name}:${e.name}`)];
  const text = `# Written by nspawn desktop: credentials of ${name} (values are in root-only files, never here).\n`
    + `[Service]\n${lines.join('\n')}\nExecStart=\nExecStart=${argv.join(' ')}\n`;
  writeAtomic(t, rel, text, t.read(rel).tag);
  return true;
}

