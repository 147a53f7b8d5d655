// Shared setup of the integration tests: a fresh sandbox host and a real backend on it.
import { Backend } from '../../agent/backend';
import { sandboxHost } from '../../agent/host';
import { down, up, type SandboxState } from '../../sandbox/sandbox';

export async function until(what: string, pred: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Boots sandbox `name` afresh and starts a backend on it; resolves once web and db are running. */
export async function sandboxBackend(name: string, nixos: boolean): Promise<{ state: SandboxState; backend: Backend }> {
  await down(name);
  const state = await up({ name, extraGuests: 0, nixos });
  const backend = new Backend(sandboxHost(name));
  await backend.start();
  const running = (n: string) => backend.machines.list().find((m) => m.name === n)?.state === 'running';
  await until('web and db listed as running', () => running('web') && running('db'), 20_000);
  return { state, backend };
}
