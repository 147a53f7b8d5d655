// Settings against a real sandbox host: a bind, a forwarded port and a credential reach the guest
// after a restart; the secret is in no answer, log or undo record; limits reach the unit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentLink } from '../../hub/agent-link';
import type { DirectClient } from '../../hub/direct-client';
import { down, type SandboxState } from '../../sandbox/sandbox';
import type { SettingsForm, SettingsView } from '../../shared/settings';
import { inHost as inSandbox, sandboxAgent, until, untilBooted } from './sandbox-agent';

const NAME = 'it-settings';
const SECRET = 's3cr3t-Value-42';
let state: SandboxState;
let link: AgentLink;
let c: DirectClient;
const answers: string[] = [];

beforeAll(async () => {
  ({ state, link, client: c } = await sandboxAgent(NAME, false));
  c.on('ops.changed', (op) => answers.push(JSON.stringify(op)));
}, 300_000);
afterAll(async () => {
  await link?.stop();
  await down(NAME);
});

const inHost = (argv: string[], okCodes = [0]) => inSandbox(state, argv, okCodes);
const inGuest = (cmd: string) => inHost(['systemd-run', '-M', 'web', '--wait', '--pipe', '-q', 'sh', '-c', cmd]);
async function get(): Promise<SettingsView> {
  const v = await c.call<SettingsView>('settings.get', { name: 'web' });
  answers.push(JSON.stringify(v));
  return v;
}
async function apply(form: SettingsForm, tag: string) {
  const preview = await c.call<{ diff: string }>('settings.preview', { name: 'web', form, tag });
  answers.push(JSON.stringify(preview));
  const r = await c.call<{ undoToken?: string; notes: string[]; restartNeeded: boolean }>('settings.apply', { name: 'web', form, tag });
  answers.push(JSON.stringify(r));
  return { preview, r };
}
async function restartWeb(): Promise<void> {
  await c.call('machines.restart', { name: 'web' });
  await untilBooted(state, 'web');
}

describe('settings of web', () => {
  it('a bind, a port and a credential apply after a restart, which the panel says is needed', async () => {
    inHost(['sh', '-c', 'mkdir -p /srv/web-data && echo written-on-the-host > /srv/web-data/hello']);
    const v = await get();
    const form: SettingsForm = {
      ...v.form,
      binds: [...v.form.binds, { source: '/srv/web-data', target: '/srv/data', readOnly: false, options: [] }],
      ports: [...v.form.ports, { protocol: 'tcp', host: 8080, container: 80 }],
      credentials: [...v.form.credentials, { name: 'db-password', kind: 'set', keep: false, value: SECRET }],
    };
    const { preview, r } = await apply(form, v.tag);
    expect((preview as unknown as { notes: string[] }).notes.join(' ')).toContain('Credentials: add db-password');
    expect(preview.diff).toContain('+Port=tcp:8080:80');
    expect(r.restartNeeded).toBe(true);
    expect(r.undoToken).toBeUndefined();
    expect(r.notes.join(' ')).toContain('Undo is not offered');
    // The value sits in a root-only file that systemd hands to nspawn; the unit names only the file.
    expect(inHost(['stat', '-c', '%a %U', '/etc/credstore/nspawn-desktop/web/db-password']).trim()).toBe('600 root');
    expect(inHost(['systemctl', 'cat', 'systemd-nspawn@web.service'])).not.toContain(SECRET);
    expect((await get()).pendingRestart).toBe(true);

    await restartWeb();
    expect((await get()).pendingRestart).toBe(false);
    expect(inGuest('cat /srv/data/hello').trim()).toBe('written-on-the-host');
    // The credential under $CREDENTIALS_DIRECTORY of the container's init.
    const credential = 'L=$(machinectl show web -p Leader --value); D=$(tr "\\0" "\\n" < /proc/$L/environ | sed -n "s/^CREDENTIALS_DIRECTORY=//p"); cat "/proc/$L/root$D/db-password"';
    expect(inHost(['sh', '-c', credential]).trim()).toBe(SECRET);
    // A listener on port 80 in the guest, reached from the host through port 8080.
    inHost(['systemd-run', '-M', 'web', '--unit', 'listen80', 'systemd-socket-activate', '-l', '80', '--inetd', '-a', '/bin/echo', 'hello-from-web']);
    const hostEnd = /inet ([0-9.]+)/.exec(inHost(['ip', '-4', '-o', 'addr', 'show', 've-web']))![1];
    const connect = () => inHost(['/opt/nspawn-desktop/bin/node', '-e', `require("net").connect(8080, "${hostEnd}").on("data", (d) => { process.stdout.write(d); process.exit(0); }).on("error", (e) => { console.log(e.message); process.exit(0); })`]).trim();
    // The listener binds a moment after systemd-run returns.
    await until('the guest answers through port 8080', () => connect() === 'hello-from-web', 15_000);
  }, 240_000);

  it('the secret is in no answer, no undo record and no log line', async () => {
    const v = await get();
    expect(v.form.credentials).toContainEqual({ name: 'db-password', kind: 'set', keep: true });
    expect(answers.join('\n')).not.toContain(SECRET);
    const details = await c.call('machines.details', { name: 'web' });
    expect(JSON.stringify(details)).not.toContain(SECRET);
    expect(inHost(['sh', '-c', 'grep -r -l -- "s3cr3t-Value-42" /var/lib/nspawn-desktop /var/log /run/log 2>/dev/null; true']).trim()).toBe('');
    expect(inHost(['sh', '-c', 'journalctl --no-pager -o cat | grep -c -- "s3cr3t-Value-42"; true']).trim()).toBe('0');
  });

  it('a change without credentials is undone; a stale form is refused', async () => {
    const v = await get();
    const form = { ...v.form, environment: [...v.form.environment, { name: 'GREETING', value: 'hi there' }] };
    // Credentials leave the file only when removed: drop the secret first, so the file has none.
    const plain = { ...form, credentials: form.credentials.filter((x) => x.name !== 'db-password') };
    const first = await apply(plain, v.tag);
    expect(first.r.undoToken).toBeUndefined(); // the file held a secret before this change
    const v2 = await get();
    const second = await apply({ ...v2.form, ephemeral: 'no' }, v2.tag);
    expect(second.r.undoToken).toMatch(/^[0-9a-f]{16}$/);
    const stale = await c.dispatch('settings.apply', { name: 'web', form: v2.form, tag: v2.tag });
    expect(stale).toMatchObject({ ok: false, error: { code: 'conflict' } });
    await c.call('settings.undo', { token: second.r.undoToken });
    expect((await get()).form.ephemeral).toBe('');
    expect(inHost(['cat', v.file])).toContain('Environment=GREETING=hi there');
  });

  it('MemoryMax 64M now: the unit reads 67108864; kept: a drop-in', async () => {
    await c.call('settings.setLimits', { name: 'web', limits: { memoryMax: 64 * 2 ** 20 }, runtime: true, persistent: true });
    expect(inHost(['systemctl', 'show', 'systemd-nspawn@web.service', '-p', 'MemoryMax', '--value']).trim()).toBe('67108864');
    expect((await get()).limits).toMatchObject({ memoryMax: 67108864 });
    expect(inHost(['cat', '/etc/systemd/system/systemd-nspawn@web.service.d/50-nspawn-desktop-limits.conf'])).toContain('MemoryMax=67108864');
    await c.call('settings.setLimits', { name: 'web', limits: {}, runtime: true, persistent: true });
    expect(inHost(['systemctl', 'show', 'systemd-nspawn@web.service', '-p', 'MemoryMax', '--value']).trim()).toBe('infinity');
    expect((await get()).limits.memoryMax).toBeUndefined();
  });
});
