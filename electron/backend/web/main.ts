// `npm start` in web mode: pick a host (local machined, or the sandbox where there is none),
// start the backend and print the one URL line to open.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { Backend } from '../app.js';
import { hasLocalMachined, localHost, sandboxHost, type Host } from '../host.js';
import { startWebServer } from './server.js';
import { up } from '../../../sandbox/sandbox.js';

async function chooseHost(): Promise<Host> {
  const name = process.env.NSD_SANDBOX;
  if (!name && hasLocalMachined()) return localHost();
  const sb = name ?? 'default';
  process.stderr.write(`no local systemd-machined here; using the sandbox "${sb}" (bringing it up if needed)\n`);
  await up({ name: sb, extraGuests: 0, nixos: process.env.NSD_SANDBOX_NIXOS === '1' });
  return sandboxHost(sb);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' } } });
  const host = await chooseHost();
  const backend = new Backend(host);
  await backend.start();
  const server = await startWebServer(backend, {
    staticDir: resolve(import.meta.dirname, '../../../dist/renderer'),
    port: values.port ? Number(values.port) : Number(process.env.NSD_PORT ?? 0),
    bindHost: values.host,
  });
  process.stdout.write(`nspawn-desktop web mode (${host.label}): ${server.url}\n`);
  const stop = async () => {
    await server.close();
    await backend.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`nspawn-desktop: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
