// Lint = correctness + layering: shared/ is pure, the backend never imports electron,
// the renderer never reaches Node.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'path', 'child_process', 'os', 'net', 'http', 'crypto', 'events', 'util', 'stream', 'url', 'worker_threads'];
const nodeImports = [{ group: ['node:*', ...NODE_BUILTINS, ...NODE_BUILTINS.map((m) => `${m}/*`)], message: 'Node APIs belong in the backend.' }];
const electronImport = [{ regex: '^electron(/.*)?$', message: 'Only the Electron shell (electron/*.ts) may import electron.' }];

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
      'no-restricted-imports': ['error', { patterns: [...nodeImports, ...electronImport, { group: ['react', 'react-dom', 'dbus-next', 'node-pty', 'ws'], message: 'shared/ is pure.' }] }],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'require', 'navigator', 'localStorage'],
    },
  },
  {
    files: ['electron/backend/**/*.ts', 'sandbox/**/*.ts', 'scripts/**/*.ts', 'tests/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: electronImport }] },
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...nodeImports, ...electronImport, { group: ['dbus-next', 'node-pty', 'ws'], message: 'The renderer talks to the backend only through the Transport.' }] }] },
  },
);
