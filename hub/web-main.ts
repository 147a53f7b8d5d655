// Web mode's hub: one agent for the host (NSD_SANDBOX=name: inside that sandbox; otherwise this
// machine's), the renderer build and a WebSocket on loopback. Prints the one URL line to open.
// `npm start` (scripts/start.ts) boots the sandbox first where this machine has no machined.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { AgentLink } from './agent-link.js';
import { hasLocalMachined, localLauncher, sandboxLauncher, type Launcher } from './launchers.js';
import { startWebServer } from './web-server.js';
import { persistentToken } from './web-token.js';

function chooseLauncher(): Launcher {
  const name = process.env.NSD_SANDBOX;
  if (name) return sandboxLauncher(name);
  if (!hasLocalMachined()) throw new Error('no systemd-machined on this machine; set NSD_SANDBOX=NAME for a sandbox, or run npm start, which boots one');
  return localLauncher(resolve(import.meta.dirname, '../dist/agent'));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' } } });
  const link = new AgentLink(chooseLauncher());
  await link.start();
  const server = await startWebServer(link, {
    staticDir: resolve(import.meta.dirname, '../dist/renderer'),
    port: values.port ? Number(values.port) : Number(process.env.NSD_PORT ?? 0),
    bindHost: values.host,
    token: persistentToken(),
  });
  process.stdout.write(`nspawn-desktop web mode (${link.launcher.label}): ${server.url}\n`);
  const stop = async () => {
    await server.close();
    await link.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`nspawn-desktop: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
