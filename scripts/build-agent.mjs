// Bundles the agent to two CommonJS files, dist/agent/agent.cjs and pty-host.cjs, with node-pty (native) beside it in
// dist/agent/node_modules. The directory is written in place, never replaced: a sandbox host binds
// it read-only, and a bind of a replaced directory would keep showing the old one.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist/agent/node_modules/node-pty/build/Release', { recursive: true });
// agent.cjs: the host's services; pty-host.cjs: its shells, in a process that outlives an agent.
for (const [entry, out] of [['agent/main.ts', 'agent.cjs'], ['agent/pty-host/main.ts', 'pty-host.cjs']]) {
  await build({
    entryPoints: [entry], outfile: `dist/agent/${out}`, bundle: true, platform: 'node', target: 'node20',
    format: 'cjs', sourcemap: true, logLevel: 'warning',
    // x11: dbus-next's X11 session-bus autolaunch, required lazily and never used for the system bus.
    external: ['node-pty', 'x11'],
  });
}
for (const p of ['package.json', 'lib']) cpSync(`node_modules/node-pty/${p}`, `dist/agent/node_modules/node-pty/${p}`, { recursive: true });
cpSync('node_modules/node-pty/build/Release/pty.node', 'dist/agent/node_modules/node-pty/build/Release/pty.node');
