// The hub's link to an agent running inside a real sandbox host (sandbox launcher: nsenter + the
// node and bundle bound at `up`): requests and events over stdio frames, supervision after kill -9,
// requests in flight answered instead of hanging, and no agent left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentLink } from '../../hub/agent-link';
import { DirectClient } from '../../hub/direct-client';
import { localLauncher, sandboxLauncher } from '../../hub/launchers';
import { HostRouter } from '../../hub/host-router';
import { resolve } from 'node:path';
import { down, up, type SandboxState } from '../../sandbox/sandbox';
import { agentPids, inHost, ptyHostPids, until } from './sandbox-agent';
import { FLOW, type HostInfo } from '../../shared/contract';

const NAME = 'it-agent';
let link: AgentLink;
let state: SandboxState;

/** A client of the link that also keeps every host.status it was sent. */
function client(): { c: DirectClient; statuses: HostInfo[] } {
  const c = new DirectClient(link);
  const statuses: HostInfo[] = [];
  c.on('host.status', (h) => statuses.push(h));
  return { c, statuses };
}

beforeAll(async () => {
  await down(NAME);
  state = await up({ name: NAME, extraGuests: 0, nixos: false });
  link = new AgentLink(sandboxLauncher(NAME));
  await link.start();
});

afterAll(async () => {
  await link?.stop();
  await down(NAME);
});

describe('hub → sandbox launcher → agent', () => {
  it('answers requests and sends events over stdio frames, as the host it runs on', async () => {
    expect(link.isReady).toBe(true);
    const { c: t, statuses } = client();
    await until('host.status from the agent', () => statuses.some((s) => s.connected));
    const s = statuses.find((x) => x.connected)!;
    expect(s).toMatchObject({ label: `sandbox ${NAME}`, kind: 'sandbox', busAddress: 'unix:path=/run/dbus/system_bus_socket' });
    expect(s.epoch).toMatch(/^[0-9a-f]{16}$/);
    const r = await t.dispatch('machines.list', {});
    expect(r.ok && (r.result as { name: string }[]).map((m) => m.name).sort()).toEqual(['build', 'db', 'web']);
    // The agent sees its host's / directly: network files without any /proc prefix.
    const n = await t.dispatch('network.get', { name: 'db' });
    expect(n).toMatchObject({ ok: true, result: { host: { file: '/etc/systemd/network/10-ve-db.network' } } });
    const bad = await t.dispatch('machines.start', { name: 'web; reboot' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    t.close();
  });

  it('kill -9 of the agent: clients hear it, in-flight requests are answered, the agent is back within 3 s', async () => {
    const { c: t, statuses } = client();
    await until('connected', () => statuses.some((s) => s.connected));
    const epoch = statuses.find((s) => s.connected)!.epoch;
    const [pid] = agentPids(state);
    expect(pid).toBeGreaterThan(0);
    const starts = link.starts;
    // A request in flight when the agent dies must be answered, not left hanging.
    const inFlight = t.dispatch('machines.details', { name: 'db' });
    process.kill(pid, 'SIGKILL');
    const t0 = Date.now();
    const answered = await inFlight;
    if (!answered.ok) expect(answered.error.code).toBe('unavailable');
    await until('a reconnecting status', () => statuses.some((s) => !s.connected && /stopped \(.*\).*reconnecting/.test(s.error ?? '')));
    // A new agent, with the same epoch: the shells live in the host's pty host, which was not killed.
    await until('a new agent', () => agentPids(state).length === 1 && agentPids(state)[0] !== pid, 3000);
    await until('its status', () => statuses.filter((s) => s.connected).length > 1 && statuses.at(-1)!.connected, 3000);
    expect(statuses.at(-1)!.epoch).toBe(epoch);
    console.log(`[agent-link] agent back ${Date.now() - t0} ms after kill -9`);
    expect(link.starts).toBe(starts + 1);
    const r = await t.dispatch('machines.list', {});
    expect(r.ok).toBe(true);
    expect(agentPids(state)).toHaveLength(1);
    t.close();
  });

  it('kill -9 of the agent with two shells open: both are re-attached with their screens, the alternate screen included', async () => {
    const { c: t, statuses } = client();
    await until('connected', () => statuses.some((s) => s.connected));
    const epoch = statuses.find((s) => s.connected)!.epoch;
    const out = new Map<string, string>();
    t.on('terminal.data', ({ id, data }) => out.set(id, (out.get(id) ?? '') + data));
    const open = async (machine: string) => t.call<{ id: string; token: string }>('terminal.open', { machine, cols: 100, rows: 30 });
    const a = await open('web');
    const b = await open('db');
    await until('both prompts', () => /root@web/.test(out.get(a.id) ?? '') && /root@db/.test(out.get(b.id) ?? ''), 20_000);
    await t.call('terminal.write', { id: a.id, data: 'echo before-$((6*7))\r' });
    // A full-screen program: the alternate screen, some lines, then it waits (as less would).
    await t.call('terminal.write', { id: b.id, data: "printf '\\033[?1049h\\033[H'; seq 1000 1028; sleep 600\r" });
    await until('the full-screen output', () => (out.get(b.id) ?? '').includes('1028'), 10_000);
    await until('the echo', () => (out.get(a.id) ?? '').includes('before-42'));
    const [pid] = agentPids(state);
    const [ptyHost] = ptyHostPids(state);
    process.kill(pid, 'SIGKILL');
    const t0 = Date.now();
    await until('a new agent', () => agentPids(state).length === 1 && agentPids(state)[0] !== pid, 3000);
    await until('its status, with the same epoch', () => statuses.filter((s) => s.connected).length > 1, 3000);
    console.log(`[agent-link] agent back with its shells ${Date.now() - t0} ms after kill -9`);
    // The shells never left: the same pty host holds them, and the epoch says so.
    expect(ptyHostPids(state)).toEqual([ptyHost]);
    expect(statuses.filter((s) => s.connected).at(-1)!.epoch).toBe(epoch);
    const ra = await t.call<{ screen: string }>('terminal.reattach', { id: a.id, token: a.token, cols: 100, rows: 30 });
    const rb = await t.call<{ screen: string }>('terminal.reattach', { id: b.id, token: b.token, cols: 100, rows: 30 });
    expect(ra.screen).toContain('before-42');
    expect(rb.screen).toContain('\x1b[?1049h'); // the alternate screen, restored
    expect(rb.screen).toContain('1028');
    // And they still run: end the full-screen program, type into both.
    await t.call('terminal.write', { id: b.id, data: '\x03' });
    await t.call('terminal.write', { id: b.id, data: 'echo after-$((6*7))\r' });
    await t.call('terminal.write', { id: a.id, data: 'echo after-$((6*7))\r' });
    await until('both answer again', () => (out.get(a.id) ?? '').includes('after-42') && (out.get(b.id) ?? '').includes('after-42'), 10_000);
    await t.call('terminal.close', { id: a.id });
    await t.call('terminal.close', { id: b.id });
    // Hung up: machinectl exits on its own time (SIGKILL after 2 s).
    await until('no machinectl shell left', () => inHost(state, ['pgrep', '-c', '-f', 'machinectl shell'], [0, 1]).trim() === '0', 10_000);
    t.close();
  });

  it('a flooding shell without acks stops near the flow window, and acks let the rest through', async () => {
    const { c: t } = client();
    let received = 0;
    let tail = '';
    let id = '';
    t.on('terminal.data', (p) => {
      if (p.id !== id) return;
      received += p.data.length;
      tail = (tail + p.data).slice(-200);
    });
    ({ id } = await t.call<{ id: string }>('terminal.open', { machine: 'web', cols: 80, rows: 24 }));
    await until('the prompt', () => /root@web/.test(tail), 20_000);
    await t.call('terminal.write', { id, data: "head -c 8000000 /dev/zero | tr '\\0' x; echo; echo flood-$((6*7))\r" });
    await until('the first window', () => received >= FLOW.HIGH_WATERMARK, 20_000);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await sleep(1000);
    const stalled = received;
    await sleep(1000);
    expect(received).toBe(stalled); // paused: nothing more without acks
    expect(stalled).toBeLessThan(FLOW.HIGH_WATERMARK + FLOW.BATCH_MAX_CHARS);
    console.log(`[agent-link] a shell's flood paused after ${stalled} chars without acks`);
    let acked = 0;
    await until('the whole flood after acks', () => {
      if (received > acked) {
        void t.dispatch('terminal.ack', { id, chars: received - acked });
        acked = received;
      }
      return tail.includes('flood-42');
    }, 60_000);
    expect(received).toBeGreaterThan(8_000_000);
    await t.call('terminal.close', { id });
    t.close();
  });

  it('kill -9 of the pty host: its shells end, a new epoch says so, and new shells work', async () => {
    const { c: t, statuses } = client();
    await until('connected', () => statuses.some((s) => s.connected));
    const epoch = statuses.find((s) => s.connected)!.epoch;
    const a = await t.call<{ id: string }>('terminal.open', { machine: 'web', cols: 80, rows: 24 });
    const [ptyHost] = ptyHostPids(state);
    process.kill(ptyHost, 'SIGKILL');
    await until('a new epoch', () => statuses.some((s) => s.connected && s.epoch !== epoch), 5000);
    await until('the old shell gone', () => inHost(state, ['pgrep', '-c', '-f', 'machinectl shell'], [0, 1]).trim() === '0', 10_000);
    expect(await t.dispatch('terminal.write', { id: a.id, data: 'x' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const b = await t.call<{ id: string }>('terminal.open', { machine: 'web', cols: 80, rows: 24 });
    await t.call('terminal.close', { id: b.id });
    expect(ptyHostPids(state)).toHaveLength(1);
    t.close();
  });

  it('one hub, two hosts: requests go to the host they name, and every answer and event says whose it is', async () => {
    const local = new AgentLink(localLauncher(resolve(import.meta.dirname, '../../dist/agent')));
    await local.start();
    const router = HostRouter.of(link, local);
    expect(router.hosts.map((h) => h.id)).toEqual([`sandbox-${NAME}`, 'local']);
    const inSandbox = new DirectClient(link, router);
    const onLocal = new DirectClient(local, router);
    const localStatuses: HostInfo[] = [];
    onLocal.on('host.status', (h) => localStatuses.push(h));
    try {
      const machines = await inSandbox.refresh();
      expect(machines.map((m) => m.name).sort()).toEqual(['build', 'db', 'web']);
      // This machine has no machined: the local host says so, and never shows the sandbox's list.
      const info = await onLocal.call<HostInfo>('host.info');
      expect(info).toMatchObject({ label: 'localhost', kind: 'local' });
      // Never read is not empty: the list is refused with the reason, not answered with [].
      const list = await onLocal.dispatch('machines.list', {});
      expect(list).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('cannot be read yet') } });
      // A sandbox event (a machine's list changing) reaches the sandbox's client only.
      await inSandbox.call('machines.refresh');
      expect(localStatuses.every((h) => h.label === 'localhost')).toBe(true);
      expect(onLocal.machines).toEqual([]);
      // A request for a host the hub does not have is refused by the hub.
      const raw = await new Promise<unknown>((done) => {
        const c = router.connect((f) => {
          const frame = JSON.parse(typeof f === 'string' ? f : new TextDecoder().decode(f)) as { t: string };
          if (frame.t === 'res') done(frame);
        });
        c.receive(JSON.stringify({ t: 'req', id: 7, host: 'elsewhere', method: 'machines.list', params: {} }));
      });
      expect(raw).toMatchObject({ id: 7, ok: false, error: { code: 'not_found', message: 'no such host: elsewhere' } });
    } finally {
      inSandbox.close();
      onLocal.close();
      await local.stop();
    }
  });

  it('stop ends the agent and leaves no process behind', async () => {
    await link.stop();
    await until('no agent process', () => agentPids(state).length === 0, 10_000);
  });
});
