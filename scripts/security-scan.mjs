// `npm run security`: electronegativity over the Electron shell; fails on any finding of medium
// severity or above, and on any manual-review note that is not listed (with its reason) below.
// It runs in an empty network namespace: the tool fetches translations and Electron's release
// list from the internet at every start, and this project sends no traffic anywhere.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const cli = require.resolve('@doyensec/electronegativity/dist/index.js');
const electronVersion = require('electron/package.json').version;

/** Manual-review notes we have reviewed: check id + file → why it is fine. */
const REVIEWED = {
  'CSP_GLOBAL_CHECK main.ts': 'a strict CSP is set on every response (and as a meta tag in index.html); tests/unit/electron-policy.test.ts checks it',
  'PRELOAD_JS_CHECK main.ts': 'the preload (electron/preload.ts) only hands the page one MessagePort; it exposes no API',
  'OPEN_EXTERNAL_JS_CHECK main.ts': 'only http(s) URLs from terminal links reach shell.openExternal; everything else is denied',
  'REMOTE_MODULE_JS_CHECK main.ts': 'the remote module no longer exists in Electron ≥ 14 (we use Electron ' + electronVersion + ')',
};

const out = join(mkdtempSync(join(tmpdir(), 'nsd-eng-')), 'electronegativity.sarif');
const args = [cli, '-i', 'electron', '-r', '-s', 'medium', '-e', electronVersion,
  // Needs Electron's release list from the internet; dependency updates are npm's business.
  '-x', 'AvailableSecurityFixesGlobalCheck', '-o', out];
const asRoot = process.getuid?.() === 0;
const unshare = asRoot ? ['--net'] : ['--user', '--map-root-user', '--net'];
const r = spawnSync('unshare', [...unshare, process.execPath, ...args], { encoding: 'utf8', env: { ...process.env, LANG: 'en-US' } });
if (r.error || r.status !== 0) {
  process.stderr.write(`security: electronegativity did not run (${r.error?.message ?? `exit ${r.status}`})\n${r.stderr}\n`);
  process.exit(2);
}

const sarif = JSON.parse(readFileSync(out, 'utf8'));
const results = sarif.runs.flatMap((run) => run.results);
const failures = [];
const reviewed = [];
for (const res of results) {
  const loc = res.locations?.[0]?.physicalLocation;
  const where = `${loc?.artifactLocation?.uri ?? '?'}:${loc?.region?.startLine ?? '?'}`;
  const key = `${res.ruleId} ${loc?.artifactLocation?.uri ?? '?'}`;
  const line = `${res.ruleId} at ${where}: ${res.message?.text ?? ''}`;
  if (res.level === 'note' && REVIEWED[key]) reviewed.push(`  reviewed: ${line}\n    because ${REVIEWED[key]}`);
  else failures.push(`  ${res.level === 'note' ? 'unreviewed note' : 'FINDING'}: ${line}`);
}
process.stdout.write(`security: electronegativity ${require('@doyensec/electronegativity/package.json').version} on electron/ (Electron ${electronVersion}), severity ≥ medium\n`);
if (reviewed.length) process.stdout.write(`${reviewed.join('\n')}\n`);
if (failures.length) {
  process.stdout.write(`${failures.join('\n')}\nsecurity: ${failures.length} finding(s) above low severity\n`);
  process.exit(1);
}
process.stdout.write(`security: no findings above low severity (${reviewed.length} reviewed notes)\n`);
