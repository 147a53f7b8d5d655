// Limited and administrative access against a real sandbox host with polkit: the agent runs as
// the desktop user alice (setpriv inside the host), polkit decides, and Unlock runs the admin
// agent as root through pkexec and our polkit action. Rules are real polkit rules files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentLink } from '../../hub/agent-link';
import { DirectClient } from '../../hub/direct-client';
import { HostRouter } from '../../hub/host-router';
import { sandboxLauncher } from '../../hub/launchers';
import { down, up, type SandboxState } from '../../sandbox/sandbox';
import type { HostInfo, NetworkView } from '../../shared/contract';
import { epochsOf, prefixOfTerminal, ptyHostPrefix } from '../../shared/terminal-ids';
import { childPids } from '../../sandbox/proc';
import { agentPids, inHost as inSandbox, ptyHostPids, until, untilBooted } from './sandbox-agent';

const NAME = 'it-access';
const RULES = '/etc/polkit-1/rules.d';
let state: SandboxState;
let link: AgentLink;
let router: HostRouter;
let c: DirectClient;

const inHost = (argv: string[], okCodes = [0]) => inSandbox(state, argv, okCodes);
const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const info = () => c.call<HostInfo>('host.info');

function rule(file: string, text: string): void {
  inHost(['sh', '-c', `printf '%s' "$1" > ${RULES}/${file}`, 'sh', text]);
  // polkitd re-reads its rules on inotify; give it a moment.
  inHost(['sleep', '1']);
}

beforeAll(async () => {
  await down(NAME);
  state = await up({ name: NAME, extraGuests: 0, nixos: false });
  link = new AgentLink(sandboxLauncher(NAME, 'alice'));
  router = HostRouter.of(link);
  await link.start();
  c = new DirectClient(link, router);
  await until('connected', () => c.status?.connected === true, 20_000);
  await c.refresh();
});
afterAll(async () => {
  c?.close();
  await router?.stop();
  await down(NAME);
});

describe('our polkit action, as the host installed it', () => {
  it('polkit reads the shipped policy: admin once per session, for the admin agent only', () => {
    const out = inHost(['pkaction', '--verbose', '--action-id', 'org.nspawn-desktop.admin']);
    expect(out).toMatch(/implicit active:\s+auth_admin_keep/);
    expect(out).toMatch(/implicit any:\s+no/);
    expect(out).toMatch(/org\.freedesktop\.policykit\.exec\.path -> \/usr\/libexec\/nspawn-desktop\/admin-agent/);
  });
});

describe('limited access (the agent as alice)', () => {
  it('runs as alice and says so; the list and details work', async () => {
    expect(uidOf(agentPids(state)[0])).toBe(1000);
    expect(await info()).toMatchObject({ access: 'limited', connected: true });
    expect(c.machines.map((m) => m.name).sort()).toEqual(['build', 'db', 'web']);
    expect(await c.call('machines.details', { name: 'web' })).toMatchObject({ name: 'web' });
  });

  it('without a polkit rule: stopping a machine is not authorized, and nothing stops', async () => {
    const r = await c.dispatch('machines.stop', { name: 'web' });
    expect(r).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
    expect(inHost(['systemctl', 'is-active', 'systemd-nspawn@web.service']).trim()).toBe('active');
  });

  it('a network edit needs administrative access, and writes nothing', async () => {
    const file = '/etc/systemd/network/10-ve-db.network';
    const before = inHost(['cat', file]);
    const view = await c.call<NetworkView>('network.get', { name: 'db' });
    const r = await c.dispatch('network.apply', { name: 'db', host: { ...view.host.values, addresses: ['192.168.42.1/24', '10.9.9.1/24'] }, tags: { ...view.host.tags } });
    expect(r).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
    expect(inHost(['cat', file])).toBe(before);
  });

  it('Unlock refused by polkit: a clear refusal, still limited', async () => {
    rule('10-deny.rules', 'polkit.addRule(function (a, s) { if (a.id == "org.nspawn-desktop.admin") return polkit.Result.NO; });');
    const r = await c.dispatch('hub.unlock', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'permission_denied', message: expect.stringContaining('was not granted') } });
    expect(router.hosts[0]).toMatchObject({ canUnlock: true, unlocked: false });
    expect(await info()).toMatchObject({ access: 'limited' });
    inHost(['rm', `${RULES}/10-deny.rules`]);
  });
});

describe('with the shipped rules file and alice in group machines', () => {
  beforeAll(() => {
    const text = readFileSync(join(import.meta.dirname, '../../assets/polkit/50-nspawn-desktop.rules'), 'utf8');
    rule('50-nspawn-desktop.rules', text);
    inHost(['groupadd', '-f', 'machines']);
    inHost(['usermod', '-aG', 'machines', 'alice']);
  });

  it('start and stop work as alice', async () => {
    // Group membership is read when the agent starts: a fresh agent picks it up.
    const [old] = agentPids(state);
    // The hub says the agent went and then that one is back: until then the link and the status
    // may still be the old agent's (CI once sent the start to the dead one).
    let lost = false;
    let back = false;
    c.on('host.status', (h) => {
      if (!h.connected) lost = true;
      else if (lost) back = true;
    });
    process.kill(old, 'SIGKILL');
    await until('a new agent', () => back && link.isReady && agentPids(state).length === 1 && agentPids(state)[0] !== old, 20_000);
    // build is declared without autostart: stopped in a fresh sandbox.
    expect(c.stateOf('build')).toBe('stopped');
    await c.call('machines.start', { name: 'build' });
    expect(inHost(['systemctl', 'is-active', 'systemd-nspawn@build.service']).trim()).toBe('active');
    await untilBooted(state, 'build');
    await c.call('machines.stop', { name: 'build' });
  });

  it('a shell opened with limited access carries on through Unlock and Lock; one opened as admin runs as root, out of reach after Lock', async () => {
    const out: string[] = [];
    c.on('terminal.data', ({ data }) => out.push(data));
    const t = await c.call<{ id: string; token: string }>('terminal.open', { machine: 'web', cols: 80, rows: 24 });
    await until('a prompt', () => /root@web/.test(out.join('')), 20_000);

    await c.call('hub.unlock', {});
    await until('the admin agent', () => agentPids(state).some((p) => uidOf(p) === 0), 10_000);
    await until('administrative access', () => c.status?.access === 'admin', 10_000);
    expect(router.hosts[0]).toMatchObject({ unlocked: true });
    const back = await c.call<{ screen: string }>('terminal.reattach', { id: t.id, token: t.token, cols: 80, rows: 24 });
    expect(back.screen).toContain('root@web');
    // New shells open in root's pty host; the admin agent serves both (two epochs).
    const asRoot = await c.call<{ id: string; token: string }>('terminal.open', { machine: 'db', cols: 80, rows: 24 });
    expect(epochsOf(c.status?.epoch)).toHaveLength(2);
    expect(epochsOf(c.status?.epoch).map(ptyHostPrefix)).toEqual(expect.arrayContaining([prefixOfTerminal(t.id), prefixOfTerminal(asRoot.id)]));
    expect(prefixOfTerminal(asRoot.id)).not.toBe(prefixOfTerminal(t.id));
    await until('root\'s shell on db', () => /root@db/.test(out.join('')), 20_000);
    const machinectls = ptyHostPids(state).flatMap((p) => childPids(p)).filter((p) => uidOf(p) === 0);
    expect(machinectls.length, 'a shell process of root\'s pty host').toBeGreaterThan(0);

    // As admin: a network edit applies, and undo puts the file back.
    const file = '/etc/systemd/network/10-ve-db.network';
    const before = inHost(['cat', file]);
    const view = await c.call<NetworkView>('network.get', { name: 'db' });
    const applied = await c.call<{ undoToken?: string }>('network.apply', { name: 'db', host: { ...view.host.values, addresses: [...view.host.values.addresses, '10.9.9.1/24'] }, tags: { ...view.host.tags } });
    expect(inHost(['cat', file])).toContain('10.9.9.1/24');
    await c.call('network.undo', { token: applied.undoToken });
    expect(inHost(['cat', file])).toBe(before);
    // Journals of containers are readable with administrative access.
    expect(await c.dispatch('journal.follow', { name: 'web', source: 'container' })).toMatchObject({ ok: true });

    await c.call('hub.lock', {});
    await until('limited again', () => c.status?.access === 'limited', 10_000);
    await until('the admin agent gone', () => agentPids(state).every((p) => uidOf(p) === 1000), 10_000);
    const again = await c.call<{ screen: string }>('terminal.reattach', { id: t.id, token: t.token, cols: 80, rows: 24 });
    expect(again.screen).toContain('root@web');
    // Root's shell is out of reach of alice's agent, and its pty host is no longer listed.
    expect(epochsOf(c.status?.epoch).map(ptyHostPrefix)).toEqual([prefixOfTerminal(t.id)]);
    expect(await c.dispatch('terminal.reattach', { id: asRoot.id, token: asRoot.token, cols: 80, rows: 24 })).toMatchObject({ ok: false });
    await c.call('terminal.close', { id: t.id });
  });
});
