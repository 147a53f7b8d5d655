// The sandbox is a real systemd host: machined, networkd and `machinectl shell` inside nspawn.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cgroupOf } from '../../sandbox/cgroups';
import { spawnSync } from 'node:child_process';
import * as pty from 'node-pty';
import { Bus } from '../../agent/dbus/bus';
import { down, leftovers, readState, up, type SandboxState } from '../../sandbox/sandbox';
import { registerFakeMachines } from '../../sandbox/machines';
import { isNamespaceInit, pidAlive } from '../../sandbox/proc';
import { AgentLink } from '../../hub/agent-link';
import { sandboxLauncher } from '../../hub/launchers';
import { inHost as inSandbox, until, untilBooted } from './sandbox-agent';
import { DirectClient } from '../../hub/direct-client';
import type { MachineDetails } from '../../shared/contract';
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

/** Runs argv inside the sandbox host, as an admin would there. */
const inHost = (argv: string[], okCodes = [0]) => inSandbox(state, argv, okCodes);

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
    // The shell needs the guest's own bus: "There is no system bus in container web" until it booted.
    await untilBooted(state, 'web');
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
  it('registers 300 extra machined entries and the agent lists every one; gone, typo and removed machines leave no row', async () => {
    const before = (await listMachined(bus)).length;
    const names = await registerFakeMachines(bus, state.execPrefix, 300, 'itscale', true);
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

      // The 300 go away (their scopes stop): no "stopped" row stays behind, also after a relist.
      inHost(['systemctl', 'stop', 'machine-itscale*.scope']);
      await until('the 300 rows gone', () => !c.machines.some((m) => m.name.startsWith('itscale')), 60_000);
      expect((await c.refresh()).filter((m) => m.name.startsWith('itscale'))).toEqual([]);

      // Stopping a unit that names no machine loads it; that does not make it a machine.
      inHost(['systemctl', 'stop', 'systemd-nspawn@typo.service']);
      await new Promise((r) => setTimeout(r, 500));
      expect(c.machines.map((m) => m.name)).not.toContain('typo');
      expect((await c.refresh()).map((m) => m.name)).not.toContain('typo');

      // A hand-broken .nspawn: the details name the bad lines, then say why a directory is not read.
      inHost(['sh', '-c', 'printf "[Exec]\\nBoot=yes\\n=value\\ngarbage\\n" > /etc/systemd/nspawn/build.nspawn']);
      const details = async () => {
        const r = await c.dispatch('machines.details', { name: 'build' });
        if (!r.ok) throw new Error(r.error.message);
        return r.result as MachineDetails;
      };
      const garbage = await details();
      expect(garbage.nspawn.settings).toEqual([{ section: 'Exec', key: 'Boot', value: 'yes' }]);
      expect(garbage.nspawn.problems).toEqual([
        'line 3: "=value" has no valid setting name; systemd-nspawn ignores it',
        'line 4: not a setting or a [section]: "garbage"',
      ]);
      inHost(['sh', '-c', 'rm /etc/systemd/nspawn/build.nspawn && mkdir /etc/systemd/nspawn/build.nspawn']);
      const dir = await details();
      expect(dir.nspawn.file).toBe('/etc/systemd/nspawn/build.nspawn');
      expect(dir.nspawn.error).toBe('/etc/systemd/nspawn/build.nspawn on the host is a directory, not a regular file');

      // A guest removed on disk by hand: its row goes with the daemon-reload.
      inHost(['systemctl', 'status', 'systemd-nspawn@build.service'], [0, 3]); // loaded, as any look at it does
      inHost(['rm', '-rf', '/var/lib/machines/build', '/etc/systemd/nspawn/build.nspawn']);
      inHost(['systemctl', 'daemon-reload']);
      await until('the removed guest gone', () => !c.machines.some((m) => m.name === 'build'), 30_000);
      expect((await c.refresh()).map((m) => m.name)).toEqual(expect.arrayContaining(['web', 'db']));
    } finally {
      await link.stop();
    }
  });

  it('a second sandbox beside it has cgroups of its own: stopping its web leaves this one\'s running', async () => {
    const OTHER = 'it-sandbox2';
    await down(OTHER);
    const other = await up({ name: OTHER, extraGuests: 0, nixos: false });
    try {
      expect(cgroupOf(state.leaderPid)).toMatch(new RegExp(`^/nsd-sandbox/${NAME}/payload/`));
      expect(cgroupOf(other.leaderPid)).toMatch(new RegExp(`^/nsd-sandbox/${OTHER}/payload/`));
      // Each host's web guest runs under its own host's payload, never in a shared one.
      const webGroups = new Set(readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
        try {
          const cg = cgroupOf(Number(pid));
          const mine = cg.startsWith(`/nsd-sandbox/${NAME}/`) || cg.startsWith(`/nsd-sandbox/${OTHER}/`);
          return mine && cg.includes('/systemd-nspawn@web.service') ? [cg.slice(0, cg.indexOf('/machine.slice/'))] : [];
        } catch {
          return []; // exited while we looked
        }
      }));
      expect([...webGroups].sort()).toEqual([`/nsd-sandbox/${NAME}/payload`, `/nsd-sandbox/${OTHER}/payload`].sort());
      inSandbox(other, ['systemctl', 'stop', 'systemd-nspawn@web.service']);
      expect(inHost(['machinectl', 'show', 'web', '-p', 'State', '--value']).trim()).toBe('running');
    } finally {
      await down(OTHER);
    }
    expect(leftovers(OTHER)).toEqual({ mounts: [], cgroups: [] });
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
    expect(leftovers(NAME)).toEqual({ mounts: [], cgroups: [] });
    expect(readState(NAME)).toBeUndefined();
    expect((await down(NAME)).wasRunning).toBe(false);
  });
});
