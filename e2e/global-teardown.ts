import { down } from '../sandbox/sandbox';
import { e2eState, SANDBOX } from './env';

export default async function globalTeardown(): Promise<void> {
  try {
    process.kill(-e2eState().serverPid, 'SIGTERM');
  } catch {
    // already gone
  }
  if (process.env.NSD_E2E_KEEP !== '1') await down(SANDBOX);
}
