// Long operations against a real sandbox host: a machine's start is an operation every window
// sees; Cancel reaches systemd (Job.Cancel) and the machine ends up stopped, not half-started.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentLink } from '../../hub/agent-link';
import { DirectClient } from '../../hub/direct-client';
import { down, type SandboxState } from '../../sandbox/sandbox';
import type { Op } from '../../shared/ops';
import { inHost as inSandbox, sandboxAgent, until, untilBooted } from './sandbox-agent';

const NAME = 'it-ops';
let state: SandboxState;
let link: AgentLink;
let main: DirectClient;

beforeAll(async () => {
  ({ state, link, client: main } = await sandboxAgent(NAME, false));
});
afterAll(async () => {
  await link?.stop();
  await down(NAME);
});

const inHost = (argv: string[], okCodes = [0]) => inSandbox(state, argv, okCodes);
const DROPIN = '/run/systemd/system/systemd-nspawn@build.service.d';

describe('ops', () => {
  it('a slow start is followed by every window, and Cancel stops it at systemd', async () => {
    // The container's start waits a minute before nspawn runs: long enough to cancel.
    inHost(['mkdir', '-p', DROPIN]);
    inHost(['sh', '-c', `printf '[Service]\\nExecStartPre=/bin/sleep 60\\n' > ${DROPIN}/slow.conf`]);
    inHost(['systemctl', 'daemon-reload']);
    const watcher = new DirectClient(link);
    const seen: Op[] = [];
    watcher.on('ops.changed', (op) => seen.push(op));
    try {
      const op = await main.call<Op>('ops.start', { kind: 'machine.start', name: 'build' });
      expect(op).toMatchObject({ title: 'Start build', target: 'build', state: 'running', cancellable: true });
      await until('build starting', () => main.stateOf('build') === 'starting');
      // A second start of the same machine is refused while the first runs.
      const again = await main.dispatch('machines.start', { name: 'build' });
      expect(again).toMatchObject({ ok: false, error: { code: 'conflict' } });
      await main.call('ops.cancel', { op: op.id });
      await until('the watcher sees it cancelled', () => seen.some((o) => o.id === op.id && o.state === 'cancelled'));
      expect(seen.filter((o) => o.id === op.id).map((o) => o.state)).toEqual(expect.arrayContaining(['running', 'cancelling', 'cancelled']));
      await until('build stopped again', () => main.stateOf('build') === 'stopped');
      // Stopped, and not 'failed': the killed start was the person's wish, so its failure is reset.
      expect(inHost(['systemctl', 'is-active', 'systemd-nspawn@build.service'], [3]).trim()).toBe('inactive');
      const listed = (await watcher.call<Op[]>('ops.list')).find((o) => o.id === op.id);
      expect(listed).toMatchObject({ state: 'cancelled', cancellable: false, error: { code: 'cancelled' } });
      expect(await main.dispatch('ops.cancel', { op: op.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    } finally {
      inHost(['rm', '-rf', DROPIN]);
      inHost(['systemctl', 'daemon-reload']);
      watcher.close();
    }
  });

  it('machines.start is the same operation: listed as done once the machine runs', async () => {
    let t = Date.now();
    await main.call('machines.start', { name: 'build' });
    console.log(`[ops] start took ${Date.now() - t} ms`);
    // The answer comes when systemd's job ends; the list follows with the next (coalesced) event.
    await until('the list to show build started', () => main.stateOf('build') !== 'stopped', 10_000);
    const ops = await main.call<Op[]>('ops.list');
    expect(ops[0]).toMatchObject({ title: 'Start build', state: 'done', fraction: 1 });
    // A container whose systemd is still booting ignores the stop signal (90 s to SIGKILL): let it boot.
    await untilBooted(state, 'build');
    t = Date.now();
    await main.call('machines.stop', { name: 'build' });
    console.log(`[ops] stop took ${Date.now() - t} ms`);
    expect((await main.call<Op[]>('ops.list'))[0]).toMatchObject({ title: 'Stop build', state: 'done' });
  });
});
