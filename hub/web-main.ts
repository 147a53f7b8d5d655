// Web mode's hub: one agent per host (hub/hosts-config.ts says which), the renderer build and a
// WebSocket on loopback. Prints the one URL line to open.
// `npm start` (scripts/start.ts) boots the sandbox first where this machine has no machined.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { hostsFromEnv, routerFor } from './hosts-config.js';
import { startWebServer } from './web-server.js';
import { persistentToken } from './web-token.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' } } });
  const router = routerFor(hostsFromEnv(process.env, resolve(import.meta.dirname, '../dist/agent')));
  await router.start();
  const server = await startWebServer(router, {
    staticDir: resolve(import.meta.dirname, '../dist/renderer'),
    port: values.port ? Number(values.port) : Number(process.env.NSD_PORT ?? 0),
    bindHost: values.host,
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
