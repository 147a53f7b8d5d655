// Faults against a real sandbox host (NixOS layout: network changes are runtime drop-ins in /run),
// through hub → sandbox launcher → agent: dbus and machined restarts, a guest's leader killed, a
// pty killed, /run full, and the agent killed with SIGKILL in the middle of config writes. After
// each: the agent recovers (or is restarted by the hub) or says what happened, and no config file
// is ever truncated or half-written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { AgentLink } from '../../hub/agent-link';
import { staleTempNames } from '../../agent/files/atomic-write';
import { down, type SandboxState } from '../../sandbox/sandbox';
import { agentPids, ptyHostPids, inHost as inSandbox, sandboxAgent, until, untilBooted } from './sandbox-agent';
import type { DirectClient } from '../../hub/direct-client';
import type { EventPayload, HostInfo, NetworkView } from '../../shared/contract';

const NAME = 'it-faults';
const DROPIN_DIR = '/run/systemd/network/10-ve-db.network.d';
const DROPIN = `${DROPIN_DIR}/50-nspawn-desktop.conf`;
// Both add an address to the store file's, so each is a drop-in of its own content.
const VARIANTS = [['fc42::1/64', '192.168.42.1/24', '192.168.50.1/24'], ['fc42::1/64', '192.168.42.1/24', '192.168.43.1/24']];
let state: SandboxState;
let link: AgentLink;
let d: DirectClient;

const root = () => `/proc/${state.leaderPid}/root`;
const stateOf = (name: string) => d.stateOf(name);
const inHost = (argv: string[], okCodes = [0]) => inSandbox(state, argv, okCodes);
/** Child processes of a process (as this machine sees them). */
const childrenOf = (pid: number) => readdirSync(`/proc/${pid}/task`).flatMap((t) => {
  try {
    return readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return []; // a thread that exited while we looked
  }
});

async function view(): Promise<NetworkView> {
  const r = await d.dispatch('network.get', { name: 'db' });
  if (!r.ok) throw new Error(r.error.message);
  return r.result as NetworkView;
}

async function applyHost(addresses: string[]) {
  const v = await view();
  return d.dispatch('network.apply', { name: 'db', host: { ...v.host.values, addresses }, tags: { ...v.host.tags, ...v.container.tags } });
}

/** Temp files a killed writer left in a directory of the sandbox host (the test reads the host it made). */
const staleTemps = (dir: string, base: string) => (existsSync(dir) ? staleTempNames(readdirSync(dir), base) : []);

const dropin = () => readFileSync(`${root()}${DROPIN}`, 'utf8');

beforeAll(async () => {
  ({ state, link, client: d } = await sandboxAgent(NAME, true));
});

afterAll(async () => {
  await link?.stop();
  await down(NAME);
});

describe('faults', () => {
  it('restarting machined: the list recovers without losing running machines', async () => {
    inHost(['systemctl', 'restart', 'systemd-machined.service']);
    await new Promise((r) => setTimeout(r, 1000));
    await until('web and db running after the machined restart', () => stateOf('web') === 'running' && stateOf('db') === 'running');
    expect(d.status?.connected).toBe(true);
  });

  // A stopped machined is bus-activated again by the next call; a masked one stays gone.
  it('machined masked and stopped: the host says the list may be stale, machine actions are refused as unavailable, and it recovers', async () => {
    const statuses: HostInfo[] = [];
    const off = d.on('host.status', (s) => statuses.push(s));
    try {
      inHost(['systemctl', 'mask', '--runtime', 'systemd-machined.service']);
      inHost(['systemctl', 'stop', 'systemd-machined.service']);
      await until('a warning about machined', () => /systemd-machined is not running on sandbox it-faults; the list may be stale/.test(d.status?.warning ?? ''));
      expect(d.status?.connected).toBe(true);
      const r = await d.dispatch('machines.terminate', { name: 'build' });
      expect(r).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      inHost(['systemctl', 'unmask', '--runtime', 'systemd-machined.service']);
      inHost(['systemctl', 'start', 'systemd-machined.service']);
      await until('the warning gone', () => d.status?.connected === true && d.status.warning === undefined);
      await until('web and db running', () => stateOf('web') === 'running' && stateOf('db') === 'running');
    } finally {
      off();
      inHost(['systemctl', 'unmask', '--runtime', 'systemd-machined.service']);
      inHost(['systemctl', 'start', 'systemd-machined.service']);
    }
  });

  it('killing a guest\'s leader: the machine shows as no longer running, and starts again', async () => {
    const leader = (await d.refresh()).find((m) => m.name === 'web')?.leader;
    expect(leader).toBeGreaterThan(1);
    inHost(['kill', '-9', String(leader)]);
    await until('web not running', () => ['stopped', 'failed'].includes(stateOf('web') ?? ''));
    const r = await d.dispatch('machines.start', { name: 'web' });
    expect(r).toMatchObject({ ok: true });
    await until('web running again', () => stateOf('web') === 'running', 60_000);
  });

  it('killing a shell\'s process: the terminal reports that its session ended', async () => {
    const exits: EventPayload<'terminal.exit'>[] = [];
    d.on('terminal.exit', (p) => exits.push(p));
    // Shells are children of the host's pty host, not of the agent.
    const [ptyHost] = ptyHostPids(state);
    const shells = () => childrenOf(ptyHost).filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('machinectl\0shell'));
    expect(shells()).toEqual([]);
    const r = await d.dispatch('terminal.open', { machine: 'db', cols: 80, rows: 24 });
    if (!r.ok) throw new Error(r.error.message);
    const { id } = r.result as { id: string };
    // The pty's process: the pty host's machinectl shell.
    await until('the shell process', () => shells().length === 1);
    const [pid] = shells();
    process.kill(pid, 'SIGKILL');
    await until('the exit event', () => exits.some((e) => e.id === id), 10_000);
    expect(exits.find((e) => e.id === id)!.reason).toMatch(/session ended/);
    expect((await d.diagnostics()).terminals).toBe(0);
    // Writing to it now is a clear not_found, not a crash.
    expect(await d.dispatch('terminal.write', { id, data: 'x' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('a full /run: a runtime network change fails with "no space left" and the drop-in stays as it was', async () => {
    expect(await applyHost(VARIANTS[0])).toMatchObject({ ok: true });
    const before = dropin();
    const avail = inHost(['df', '--output=avail', '-B1', '/run']).trim().split('\n').pop()!.trim();
    try {
      // tmpfs keeps some slack: allocate a little less than it reports, then fill the rest.
      inHost(['fallocate', '-l', String(Number(avail) - 16 * 1024 * 1024), '/run/nsd-fill']);
      inHost(['dd', 'if=/dev/zero', 'of=/run/nsd-fill2', 'bs=4k'], [0, 1]); // until ENOSPC
      const r = await applyHost(VARIANTS[1]);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('failed');
        expect(r.error.message).toMatch(/no space left/i);
      }
      expect(dropin()).toBe(before);
      expect(staleTemps(`${root()}${DROPIN_DIR}`, '50-nspawn-desktop.conf')).toEqual([]);
    } finally {
      inHost(['rm', '-f', '/run/nsd-fill', '/run/nsd-fill2']);
    }
    expect(await applyHost(VARIANTS[1])).toMatchObject({ ok: true });
    expect(dropin()).toContain('Address=192.168.43.1/24');
  });

  it('kill -9 of the agent during config writes never leaves a truncated or half-written file', async () => {
    // The two complete versions the loop writes, as the agent writes them.
    const complete = new Set<string>();
    for (const v of VARIANTS) {
      expect(await applyHost(v)).toMatchObject({ ok: true });
      complete.add(dropin());
    }
    expect(complete.size).toBe(2);
    let kills = 0;
    let midWrite = 0;
    for (let trial = 0; trial < 12; trial++) {
      await until('the agent back', () => link.isReady && d.status?.connected === true, 15_000);
      // Apply back and forth until the agent is killed under the loop (its next request fails).
      let applied = 0;
      const loop = (async () => {
        for (let i = 0; ; i++) {
          const r = await applyHost(VARIANTS[i % 2]).catch((e: Error) => ({ ok: false as const, error: { code: 'x', message: e.message } }));
          if (!r.ok) return; // the agent is gone (killed under the loop)
          applied++;
        }
      })();
      const target = 1 + (trial % 3);
      await until(`the loop applied ${target} times`, () => applied >= target, 60_000);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
      const pids = agentPids(state);
      expect(pids).toHaveLength(1);
      process.kill(pids[0], 'SIGKILL');
      kills++;
      await loop;
      if (staleTemps(`${root()}${DROPIN_DIR}`, '50-nspawn-desktop.conf').length) midWrite++;
      const text = dropin();
      expect(complete.has(text), `after kill ${trial + 1}, the drop-in is one of the complete versions:\n${text}`).toBe(true);
    }
    expect(kills).toBe(12);
    console.log(`[faults] ${kills} kills of the agent, ${midWrite} of them left a temp file (killed between write and rename); restarts: ${link.starts}`);
    await until('the agent back', () => link.isReady && d.status?.connected === true, 15_000);
    // A later write cleans up any temp file a killed writer left; networkd never read those.
    expect(await applyHost(VARIANTS[0])).toMatchObject({ ok: true });
    expect(staleTemps(`${root()}${DROPIN_DIR}`, '50-nspawn-desktop.conf')).toEqual([]);
    expect(readdirSync(`${root()}${DROPIN_DIR}`)).toEqual(['50-nspawn-desktop.conf']);
    expect(existsSync(`${root()}${DROPIN}`)).toBe(true);
  });
  it('restarting dbus: the backend says it lost the bus, reconnects and follows changes again', async () => {
    const statuses: HostInfo[] = [];
    d.on('host.status', (s) => statuses.push(s));
    inHost(['systemctl', 'restart', 'dbus.service']);
    await until('a disconnected status', () => statuses.some((s) => !s.connected));
    expect(statuses.find((s) => !s.connected)?.error).toMatch(/lost the system bus connection/);
    await until('reconnected', () => d.status?.connected === true, 30_000);
    await until('web and db listed as running again', () => stateOf('web') === 'running' && stateOf('db') === 'running');
    inHost(['systemctl', 'start', '--no-block', 'systemd-nspawn@build.service']);
    await until('build seen running after the restart', () => stateOf('build') === 'running', 60_000);
    // Stopped while still booting it would wait 90 s for SIGKILL (over 60 s once in CI).
    await untilBooted(state, 'build');
    inHost(['systemctl', 'stop', 'systemd-nspawn@build.service']);
    await until('build seen stopped', () => stateOf('build') === 'stopped');
    // networkd (252) stays off the restarted bus: the panel says so at once instead of hanging,
    // and apply restarts networkd through systemd so the change still takes effect.
    const t0 = Date.now();
    const v = await view();
    expect(v.host.live.error).toMatch(/not on the system bus/);
    const r = await applyHost(['fc42::1/64', '192.168.42.1/24', '192.168.77.1/24']);
    if (!r.ok) throw new Error(r.error.message);
    const results = (r.result as { results: { side: string; ok: boolean; message: string }[] }).results;
    expect(results).toEqual([{ side: 'host', ok: true, message: expect.stringMatching(/restarted it to apply/) }]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    try {
      await until('192.168.77.1 on ve-db', () => inHost(['ip', '-o', 'addr', 'show', 'dev', 've-db']).includes('192.168.77.1/24'), 60_000);
    } catch (e) {
      // Seen once in CI (not reproduced): say what networkd was doing.
      console.log(inHost(['sh', '-c', 'systemctl status systemd-networkd --no-pager; networkctl status ve-db --no-pager; journalctl -u systemd-networkd -n 30 --no-pager'], [0, 1, 3, 4]));
      throw e;
    }
  });

});
