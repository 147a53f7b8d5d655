#!/usr/bin/env node
// `npm test`: every check, side by side where they do not compete for the same thing. The build
// first (the sandbox tests run its bundles); then the static checks and unit tests (one chain, no
// root) beside the sandbox tests: integration and browser tests in groups of about equal length,
// each group with a sandbox of its own (sandboxes have cgroups of their own, so they run side by
// side). The tests mostly wait on real systemd, so five groups on two cores finish in about the
// time of the longest. Prints each step's time; exits non-zero when any step failed.
// NSD_TEST_STEPS=unit,e2e-a runs some steps (names below).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';

const npm = 'npm';
const only = (process.env.NSD_TEST_STEPS ?? '').split(',').filter(Boolean);
const want = (name) => only.length === 0 || only.includes(name);

// Groups by measured length (seconds alone, 2026-12): a file not listed here fails the run.
const INTEGRATION = {
  'integration-a': ['faults', 'sandbox', 'access', 'packaging', 'local-launcher'],
  'integration-b': ['images', 'limits-and-undo', 'ssh', 'settings', 'agent-link', 'hostile-container', 'bad-inputs', 'network', 'ops'],
};
const E2E = {
  'e2e-a': ['accessibility'],
  'e2e-b': ['terminals', 'network', 'details', 'settings', 'hosts'],
  'e2e-c': ['machines', 'ssh-hosts', 'images', 'desktop-user', 'web-token', 'create', 'electron'],
};

/** Every test file in exactly one group, so that a new one is never skipped without a word. */
function checkGroups(dir, suffix, groups) {
  const files = readdirSync(dir).filter((f) => f.endsWith(suffix)).map((f) => f.slice(0, -suffix.length));
  const listed = Object.values(groups).flat();
  const missing = files.filter((f) => !listed.includes(f));
  const extra = listed.filter((f) => !files.includes(f) || listed.indexOf(f) !== listed.lastIndexOf(f));
  if (missing.length || extra.length) {
    throw new Error(`scripts/run-tests.mjs groups of ${dir}: ${missing.length ? `not in a group: ${missing.join(', ')}` : ''}${extra.length ? ` unknown or twice: ${extra.join(', ')}` : ''}`);
  }
}
checkGroups('tests/integration', '.test.ts', INTEGRATION);
checkGroups('e2e', '.spec.ts', E2E);

/** Runs one step, its output lines prefixed with its name; resolves with its exit code and time. */
function step(name, argv, env = {}) {
  if (!want(name)) return Promise.resolve({ name, code: 0, ms: 0, skipped: true });
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', ...env } });
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop();
        for (const l of lines) process.stdout.write(`[${name}] ${l}\n`);
      });
      stream.on('end', () => { if (rest) process.stdout.write(`[${name}] ${rest}\n`); });
    }
    child.on('error', (e) => resolve({ name, code: 127, ms: Date.now() - t0, error: e.message }));
    child.on('close', (code, signal) => resolve({ name, code: code ?? (signal ? 128 : 1), ms: Date.now() - t0 }));
  });
}

async function chain(steps) {
  const out = [];
  for (const s of steps) out.push(await s());
  return out;
}

const t0 = Date.now();
const results = [await step('build', [npm, 'run', '-s', 'build'])];
const sandboxTests = async () => {
  if (results[0].code !== 0) return [];
  const prepared = await step('sandbox', [npm, 'run', '-s', 'sandbox:prepare']);
  if (prepared.code !== 0) return [prepared];
  return [prepared, ...await Promise.all([
    ...Object.entries(INTEGRATION).map(([name, files]) =>
      step(name, [npm, 'run', '-s', 'test:integration', '--', ...files.map((f) => `tests/integration/${f}.test.ts`)])),
    ...Object.entries(E2E).map(([name, files]) =>
      step(name, [npm, 'run', '-s', 'test:e2e', '--', ...files.map((f) => `e2e/${f}.spec.ts`)], { NSD_E2E_SANDBOX: name })),
  ])];
};
results.push(...(await Promise.all([
  chain([
    () => step('typecheck', [npm, 'run', '-s', 'typecheck']),
    () => step('lint', [npm, 'run', '-s', 'lint']),
    () => step('security', [npm, 'run', '-s', 'security']),
    () => step('unit', [npm, 'run', '-s', 'test:unit']),
  ]),
  sandboxTests(),
])).flat());
const failed = results.filter((r) => r.code !== 0);
process.stdout.write(`\n${results.filter((r) => !r.skipped).map((r) => `${r.code === 0 ? 'ok  ' : 'FAIL'} ${r.name} ${(r.ms / 1000).toFixed(1)} s${r.error ? ` (${r.error})` : ''}`).join('\n')}\n`);
process.stdout.write(`${failed.length ? `${failed.length} step(s) failed` : 'all passed'} in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
process.exit(failed.length ? 1 : 0);
