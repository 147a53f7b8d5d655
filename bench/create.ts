// New container → running, timed through the app's agent (one machine.create operation) and by
// hand with machinectl (clone, then start) on the same host, interleaved: the same work each way.
import type { DirectClient } from '../hub/direct-client.js';
import { run } from '../agent/proc.js';
import type { SandboxState } from '../sandbox/sandbox.js';
import type { Op } from '../shared/ops.js';
import { percentile, round } from './stats.js';

const ROUNDS = Number(process.env.NSD_BENCH_CREATE_ROUNDS ?? 6);

async function opToEnd(agent: DirectClient, req: unknown): Promise<Op> {
  return new Promise((resolve, reject) => {
    let id: string | undefined;
    const ended = new Map<string, Op>();
    const off = agent.on('ops.changed', (op) => {
      if (op.endedAt === undefined) return;
      ended.set(op.id, op);
      if (op.id === id) { off(); resolve(op); }
    });
    agent.call<Op>('ops.start', req).then((op) => {
      id = op.id;
      if (ended.has(op.id)) { off(); resolve(ended.get(op.id)!); }
    }, reject);
  });
}

export async function createToRunning(state: SandboxState, agent: DirectClient) {
  const inHost = (argv: string[]) => run(state.execPrefix[0], [...state.execPrefix.slice(1), ...argv]);
  const gone = async (name: string) => {
    await inHost(['machinectl', 'terminate', name]);
    await inHost(['sh', '-c', `while machinectl show ${name} >/dev/null 2>&1; do sleep 0.1; done; machinectl remove ${name}; rm -f /etc/systemd/nspawn/${name}.nspawn`]);
  };
  const app: number[] = [];
  const scratch: number[] = [];
  const byHand: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t = performance.now();
    const op = await opToEnd(agent, { kind: 'machine.create', name: `bc${i}`, source: { type: 'clone', image: 'build' }, network: { mode: 'dhcp' }, binds: [], ephemeral: false, autostart: false, start: true, runtime: false });
    if (op.state !== 'done') throw new Error(`create bc${i}: ${op.error?.message}`);
    app.push(performance.now() - t);
    t = performance.now();
    const s = await opToEnd(agent, { kind: 'machine.create', name: `bs${i}`, source: { type: 'scratch' }, network: { mode: 'dhcp' }, binds: [], ephemeral: true, autostart: false, start: true, runtime: false });
    if (s.state !== 'done') throw new Error(`create bs${i}: ${s.error?.message}`);
    scratch.push(performance.now() - t);
    t = performance.now();
    const c = await inHost(['sh', '-c', `machinectl clone build bm${i} && machinectl start bm${i}`]);
    if (c.code !== 0) throw new Error(`machinectl clone/start bm${i}: ${c.stderr}`);
    byHand.push(performance.now() - t);
    await Promise.all([gone(`bc${i}`), gone(`bs${i}`), gone(`bm${i}`)]);
  }
  const p = (xs: number[]) => ({ p50Ms: round(percentile(xs, 50)), p95Ms: round(percentile(xs, 95)) });
  return {
    rounds: ROUNDS, appCloneToRunning: p(app), appScratchToRunning: p(scratch), machinectlCloneStart: p(byHand),
    ratioAppToMachinectlP50: round(percentile(app, 50) / percentile(byHand, 50), 2),
  };
}
