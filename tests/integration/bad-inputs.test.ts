// The bad-input table through the real backend on a real host (plain layout: /etc is writable):
// every case gets a typed invalid_request, and nothing happens: no D-Bus message, no process,
// no file written, no machine changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentLink } from '../../hub/agent-link';
import { down, type SandboxState } from '../../sandbox/sandbox';
import { sandboxAgent } from './sandbox-agent';
import type { DirectClient } from '../../hub/direct-client';
import { badInputs } from '../bad-inputs';

const NAME = 'it-badinput';
let state: SandboxState;
let link: AgentLink;
let client: DirectClient;

/** A hash of every file under the config directories of the host and its guests. */
function configHash(): string {
  const root = `/proc/${state.leaderPid}/root`;
  const dirs = ['/etc/systemd/network', '/run/systemd/network', '/etc/systemd/nspawn', '/run/systemd/nspawn', '/etc/systemd/system'];
  for (const g of readdirSync(`${root}/var/lib/machines`)) dirs.push(`/var/lib/machines/${g}/etc/systemd/network`);
  const h = createHash('sha256');
  const walk = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const f of readdirSync(p).sort()) walk(join(p, f));
    else h.update(`${p}\0${st.size}\0${readFileSync(p).toString('base64')}\0`);
  };
  for (const d of dirs) walk(`${root}${d}`);
  return h.digest('hex');
}

beforeAll(async () => {
  ({ state, link, client } = await sandboxAgent(NAME, false));
});

afterAll(async () => {
  await link?.stop();
  await down(NAME);
});

describe('bad inputs through the real backend', () => {
  it('answers every case with invalid_request and does nothing at all', async () => {
    const table = badInputs();
    const sent = async () => (await client.diagnostics()).busMessagesSent;
    // Let the start-up reads (addresses after DHCP) settle: no message for a whole second.
    for (let last = -1, now = await sent(), t = Date.now(); now !== last && Date.now() - t < 30_000; last = now, now = await sent()) {
      await new Promise((r) => setTimeout(r, 1000));
    }
    const before = await client.diagnostics();
    const hashBefore = configHash();
    const statesBefore = JSON.stringify((await client.refresh()).map((m) => [m.name, m.state, m.autostart]));
    const wrong: string[] = [];
    for (const c of table) {
      const r = await client.dispatch(c.method, c.params);
      if (r.ok || r.error.code !== 'invalid_request' || !Object.keys(r.error.fields ?? {}).length) {
        wrong.push(`${c.method} ${c.label}: ${JSON.stringify(r).slice(0, 200)}`);
      }
    }
    expect(wrong).toEqual([]);
    const after = await client.diagnostics();
    expect(after.busMessagesSent - before.busMessagesSent).toBe(0);
    expect(after.childProcesses).toBe(before.childProcesses);
    expect(after.terminals).toBe(0);
    expect(after.journalStreams).toBe(0);
    expect(configHash()).toBe(hashBefore);
    expect(JSON.stringify((await client.refresh()).map((m) => [m.name, m.state, m.autostart]))).toBe(statesBefore);
    console.log(`[bad-inputs] ${table.length} bad requests over ${new Set(table.map((c) => c.method)).size} methods: all refused, 0 D-Bus messages, 0 processes, config unchanged`);
  });
});
