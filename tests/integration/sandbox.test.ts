// The sandbox is a real systemd host: machined, networkd and `machinectl shell` inside nspawn.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as pty from 'node-pty';
import { Bus } from '../../agent/dbus/bus';
import { down, leftovers, readState, up, type SandboxState } from '../../sandbox/sandbox';
import { registerFakeMachines } from '../../sandbox/machines';
import { isNamespaceInit, pidAlive } from '../../sandbox/proc';
import { AgentLink } from '../../hub/agent-link';
import { sandboxLauncher } from '../../hub/launchers';
import { until } from './sandbox-agent';
import { DirectClient } from '../../hub/direct-client';
import { listMachined, machineAddresses, unitFileEnabled } from '../../agent/machines/facts';

const NAME = 'it-sandbox';
let state: SandboxState;
let bus: Bus;

beforeAll(async () => {
  await down(NAME);
  const t0 = Date.now();
  state = await up({ name: NAME, extraGuests: 0, nixos: false });
  console.log(`[timing] first up of ${NAME}: ${((Date.now() - t0) / 1000).toFixed(1)} s ${JSON.stringify(state.timings)}`);
  bus = await Bus.connect(state.busAddress);
});

afterAll(async () => {
  bus?.disconnect();
  await down(NAME);
});

/**
 * Runs argv in a real pty (machinectl shell needs one). Resolves with what it printed and its exit
 * code once it exits. With `hangUp`, types `hangUp.type` at the first prompt and hangs up the pty
 * (as closing a tab does) once the output matches `hangUp.when`.
 */
function inPty(argv: string[], hangUp?: { type: string; when: RegExp }, timeoutMs = 30_000): Promise<{ out: string; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const p = pty.spawn(argv[0], argv.slice(1), { cols: 120, rows: 30, env: { PATH: process.env.PATH, TERM: 'xterm' } });
    let out = '';
    let typed = false;
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`timed out; output so far: ${out}`)); }, timeoutMs);
    p.onData((d) => {
      out += d;
      if (!hangUp) return;
      if (!typed && /# $/.test(out)) { typed = true; p.write(hangUp.type); }
      if (typed && hangUp.when.test(out)) { hangUp = undefined; p.kill('SIGHUP'); }
    });
    p.onExit(({ exitCode }) => { clearTimeout(t); resolve({ out, exitCode }); });
  });
}

/** container-shell@N units still loaded in guest NAME (a session that ended must leave none). */
function shellUnits(name: string): string[] {
  const r = spawnSync(state.execPrefix[0], [...state.execPrefix.slice(1), 'systemctl', '-M', name,
    'list-units', '--all', '--plain', '--no-legend', 'container-shell@*'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

describe('sandbox', () => {
  it('runs web and db through machined with the expected addresses; build is declared but stopped', async () => {
    const ms = await listMachined(bus);
    const byName = new Map(ms.map((m) => [m.name, m]));
    expect(byName.get('web')?.state).toBe('running');
    expect(byName.get('db')?.state).toBe('running');
    expect(byName.has('build')).toBe(false);
    const web = await machineAddresses(bus, 'web');
    expect(web.some((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a) && !a.startsWith('169.254.'))).toBe(true);
    const db = await machineAddresses(bus, 'db');
    expect(db).toEqual(expect.arrayContaining(['192.168.42.2', 'fc42::2']));
    const root = `/proc/${state.leaderPid}/root`;
    expect(existsSync(`${root}/etc/systemd/nspawn/build.nspawn`)).toBe(true);
    expect(await unitFileEnabled(bus, 'build')).toBe(false);
    expect(await unitFileEnabled(bus, 'web')).toBe(true);
    expect(readFileSync(`${root}/etc/systemd/network/10-ve-db.network`, 'utf8')).toContain('Address=192.168.42.1/24');
  });

  it('records the host container\'s init as its leader', () => {
    // PID 1 of its own PID namespace, not nspawn's short-lived helper: `down` kills this one.
    expect(isNamespaceInit(state.leaderPid)).toBe(true);
    expect(readFileSync(`/proc/${state.leaderPid}/comm`, 'utf8').trim()).toBe('systemd');
  });

  it('opens a real machinectl shell on web and reads its hostname', async () => {
    const r = await inPty([...state.execPrefix, 'machinectl', 'shell', '--', 'root@web', '/bin/hostname']);
    expect(r.out).toMatch(/^web\r?$/m);
    expect(r.exitCode).toBe(0);
  });

  // A hung-up session's unit must go away; one left in stop-sigkill blocked the guest's shutdown
  // for 90 s when nspawn gave the guest legacy cgroups (see nspawnServiceDropIn).
  it('hung-up interactive shells leave no session unit behind in the guest', async () => {
    // Several sessions: with legacy cgroups about half of them hung, not every one.
    for (let i = 0; i < 6; i++) {
      const r = await inPty([...state.execPrefix, 'machinectl', 'shell', 'db'], { type: 'hostname\r', when: /[\r\n]db\r\n/ });
      expect(r.out).toMatch(/[\r\n]db\r\n/);
    }
    let left = shellUnits('db');
    for (let i = 0; i < 50 && left.length > 0; i++) {
      await new Promise((res) => setTimeout(res, 100));
      left = shellUnits('db');
    }
    expect(left).toEqual([]);
  });

  it('reuses the running host on a second up', async () => {
    const t0 = Date.now();
    const again = await up({ name: NAME, extraGuests: 0, nixos: false });
    console.log(`[timing] second up of ${NAME}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(again.leaderPid).toBe(state.leaderPid);
  });

  // More than the bus's 128 pending replies per connection: a burst of calls must queue, not fail.
  it('registers 300 extra machined entries and the agent lists every one', async () => {
    const before = (await listMachined(bus)).length;
    const names = await registerFakeMachines(bus, state.execPrefix, 300, 'itscale');
    expect(names).toHaveLength(300);
    expect((await listMachined(bus)).length).toBe(before + 300);
    const link = new AgentLink(sandboxLauncher(NAME));
    await link.start();
    try {
      const c = new DirectClient(link);
      await until('the agent on the bus', () => c.status?.connected === true);
      const listed = new Set((await c.refresh()).map((m) => m.name));
      expect(names.filter((n) => !listed.has(n))).toEqual([]);
      expect(listed.has('web') && listed.has('build')).toBe(true);
    } finally {
      await link.stop();
    }
  });

  it('leaves no processes, mounts or state after down', async () => {
    const { nspawnPid, leaderPid } = state;
    bus.disconnect();
    const r = await down(NAME);
    expect(r.wasRunning).toBe(true);
    console.log(`[timing] down of ${NAME}: ${(r.ms / 1000).toFixed(1)} s`);
    // Nothing runs any more (an exited process its parent has not reaped yet is not running).
    expect(pidAlive(nspawnPid)).toBe(false);
    expect(pidAlive(leaderPid)).toBe(false);
    expect(leftovers(NAME).mounts).toEqual([]);
    expect(readState(NAME)).toBeUndefined();
    expect((await down(NAME)).wasRunning).toBe(false);
  });
});
