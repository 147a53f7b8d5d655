// Web mode's hub: one agent per host (hub/hosts-config.ts says which), the renderer build and a
// WebSocket on loopback. Prints the one URL line to open.
// `npm start` (scripts/start.ts) boots the sandbox first where this machine has no machined.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { routerFromEnv } from './hosts-config.js';
import { startWebServer } from './web-server.js';
import { persistentToken } from './web-token.js';

async function main(): Promise<void> {
  // --host USER@SERVER (repeatable): an SSH host to add (and save); --bind: the loopback address.
  const { values } = parseArgs({ options: { port: { type: 'string' }, bind: { type: 'string' }, host: { type: 'string', multiple: true } } });
  const router = routerFromEnv(process.env, resolve(import.meta.dirname, '../dist/agent'), values.host ?? []);
  await router.start();
  const server = await startWebServer(router, {
    staticDir: resolve(import.meta.dirname, '../dist/renderer'),
    port: values.port ? Number(values.port) : Number(process.env.NSD_PORT ?? 0),
    bindHost: values.bind,
    token: persistentToken(),
  });
  process.stdout.write(`nspawn-desktop web mode (${router.hosts.map((h) => h.label).join(', ')}): ${server.url}\n`);
  const stop = async () => {
    await server.close();
    await router.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`nspawn-desktop: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
