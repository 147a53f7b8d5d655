// The bad-input table through the real backend on a real host (plain layout: /etc is writable):
// every case gets a typed invalid_request, and nothing happens: no D-Bus message, no process,
// no file written, no machine changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Backend } from '../../agent/backend';
import { Dispatcher } from '../../agent/dispatcher';
import { down, type SandboxState } from '../../sandbox/sandbox';
import { sandboxBackend } from './sandbox-backend';
import { badInputs } from '../bad-inputs';

const NAME = 'it-badinput';
let state: SandboxState;
let backend: Backend;

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

function childProcesses(): number[] {
  return readdirSync('/proc/self/task').flatMap((t) => readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
}

beforeAll(async () => {
  ({ state, backend } = await sandboxBackend(NAME, false));
});

afterAll(async () => {
  await backend?.stop();
  await down(NAME);
});

describe('bad inputs through the real backend', () => {
  it('answers every case with invalid_request and does nothing at all', async () => {
    const d = new Dispatcher(backend.handlers('bad-inputs'));
    const table = badInputs();
    const bus = backend.machines.requireBus();
    // Let the start-up reads (addresses after DHCP) settle: no message for a whole second.
    for (let last = -1, t = Date.now(); bus.sent !== last && Date.now() - t < 30_000;) {
      last = bus.sent;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const sentBefore = bus.sent;
    const hashBefore = configHash();
    const kidsBefore = childProcesses().length;
    const statesBefore = JSON.stringify(backend.machines.list().map((m) => [m.name, m.state, m.autostart]));
    const wrong: string[] = [];
    for (const c of table) {
      const r = await d.dispatch(c.method, c.params);
      if (r.ok || r.error.code !== 'invalid_request' || !Object.keys(r.error.fields ?? {}).length) {
        wrong.push(`${c.method} ${c.label}: ${JSON.stringify(r).slice(0, 200)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(bus.sent - sentBefore).toBe(0);
    expect(childProcesses().length).toBe(kidsBefore);
    expect(backend.terminals.count()).toBe(0);
    expect(configHash()).toBe(hashBefore);
    expect(JSON.stringify(backend.machines.list().map((m) => [m.name, m.state, m.autostart]))).toBe(statesBefore);
    console.log(`[bad-inputs] ${table.length} bad requests over ${new Set(table.map((c) => c.method)).size} methods: all refused, 0 D-Bus messages, 0 processes, config unchanged`);
  });
});
