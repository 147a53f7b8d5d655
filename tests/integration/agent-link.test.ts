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
import { agentPids, until } from './sandbox-agent';
import type { HostInfo } from '../../shared/contract';

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
    await until('a new agent', () => statuses.some((s) => s.connected && s.epoch !== epoch), 3000);
    console.log(`[agent-link] agent back ${Date.now() - t0} ms after kill -9`);
    expect(link.starts).toBe(starts + 1);
    const r = await t.dispatch('machines.list', {});
    expect(r.ok).toBe(true);
    expect(agentPids(state)).toHaveLength(1);
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
