// The `local` launcher: the agent as a child of the hub, as the desktop user runs it. This machine
// has no system bus, so the agent says so (a typed, visible state) and keeps answering; the hub
// restarts it after a kill. Needs the built bundle (npm run build), no sandbox.
import { afterAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { AgentLink } from '../../hub/agent-link';
import { DirectClient } from '../../hub/direct-client';
import { localLauncher } from '../../hub/launchers';
import { until } from './sandbox-agent';

const link = new AgentLink(localLauncher(resolve(import.meta.dirname, '../../dist/agent')));
afterAll(() => link.stop());

describe('local launcher', () => {
  it('starts the agent as a child, which reports a missing bus instead of pretending', async () => {
    await link.start();
    expect(link.isReady).toBe(true);
    const c = new DirectClient(link);
    const info = await c.call<{ label: string; kind: string; connected: boolean; error?: string }>('host.info');
    expect(info).toMatchObject({ label: 'localhost', kind: 'local' });
    if (!info.connected) expect(info.error).toBeTruthy();
    const r = await c.dispatch('machines.start', { name: 'web' });
    if (!info.connected) expect(r).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    c.close();
  });

  it('restarts the agent after kill -9 and answers again', async () => {
    const c = new DirectClient(link);
    const pid = link.pid!;
    expect(pid).toBeGreaterThan(0);
    const starts = link.starts;
    process.kill(pid, 'SIGKILL');
    await until('the agent back', () => link.isReady && link.pid !== pid, 5000);
    expect(link.starts).toBe(starts + 1);
    expect(await c.call('host.info')).toMatchObject({ label: 'localhost' });
    c.close();
  });
});
