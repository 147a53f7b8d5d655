// Lint = correctness + layering by folder: shared/ is pure and imports nothing of ours; the
// renderer imports shared only; the agent never imports the hub, electron or the sandbox tool; the
// hub never imports the agent's code (it runs it as a process) or the sandbox tool; only the
// Electron shell (electron/*.ts) imports electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'path', 'child_process', 'os', 'net', 'http', 'crypto', 'events', 'util', 'stream', 'url', 'worker_threads'];
const nodeImports = [{ group: ['node:*', ...NODE_BUILTINS, ...NODE_BUILTINS.map((m) => `${m}/*`)], message: 'Node APIs belong in the backend.' }];
const electronImport = [{ regex: '^electron(/.*)?$', message: 'Only the Electron shell (electron/*.ts) may import electron.' }];
/** A relative import into one of our folders, e.g. '../../hub/x.js'. */
const folders = (names, message) => [{ regex: `^(\\.\\.?/)+(.*/)?(${names.join('|')})/`, message }];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...nodeImports, ...electronImport, { group: ['react', 'react-dom', 'dbus-next', 'node-pty', 'ws'], message: 'shared/ is pure.' },
        ...folders(['agent', 'hub', 'electron', 'renderer', 'sandbox', 'tests', 'bench', 'scripts', 'e2e'], 'shared/ imports nothing of ours but shared/.')] }],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'require', 'navigator', 'localStorage'],
    },
  },
  {
    files: ['agent/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...electronImport, ...folders(['hub', 'electron', 'sandbox', 'renderer'], 'The agent runs on the managed host: it never imports the hub, electron, the sandbox tool or the renderer.')] }] },
  },
  {
    files: ['hub/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...electronImport, ...folders(['agent', 'sandbox', 'renderer', 'electron'], 'The hub runs the agent as a process and never imports its code, the sandbox tool, the renderer or electron.')] }] },
  },
  {
    files: ['electron/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: folders(['agent', 'sandbox', 'renderer'], 'The Electron shell reaches hosts through the hub only.') }] },
  },
  {
    files: ['sandbox/**/*.ts', 'scripts/**/*.ts', 'tests/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: electronImport }] },
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...nodeImports, ...electronImport, { group: ['dbus-next', 'node-pty', 'ws'], message: 'The renderer talks to the backend only through the Transport.' },
      ...folders(['agent', 'hub', 'electron', 'sandbox'], 'The renderer imports shared/ only.')] }] },
  },
);
