// A host over SSH, against the sandbox host's real sshd (reached inside the sandbox's network
// namespace only): the bundle copied once and reused, machines and shells as on any host, a killed
// connection re-adopts its shell, and each refusal says what is wrong: a changed or unknown host
// key (with the key the host offers), a refused login, a host without node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgentLink } from '../../hub/agent-link';
import { DirectClient } from '../../hub/direct-client';
import { HostRouter } from '../../hub/host-router';
import { bundleHash } from '../../hub/ssh/bundle';
import { askpass, type Prompt } from '../../hub/ssh/askpass';
import { sshLauncher, sshOptions } from '../../hub/ssh/launcher';
import { parseTarget, targetArgs, type SshTarget } from '../../hub/ssh/target';
import { down, up, type SandboxState } from '../../sandbox/sandbox';
import { enableSsh, otherHostKey, pinHostKey, setRemoteNode, type SandboxSsh } from '../../sandbox/ssh';
import type { HostInfo } from '../../shared/contract';
import { inHost, until } from './sandbox-agent';

const NAME = 'it-ssh';
const AGENT_DIR = resolve(import.meta.dirname, '../../dist/agent');
let state: SandboxState;
let ssh: SandboxSsh;
let dir: string;
const open: { link: AgentLink; router: HostRouter; c: DirectClient }[] = [];

const target = (user: string): SshTarget => parseTarget(`${user}@${ssh.alias}`) as SshTarget;
/** Ends the shared ControlMaster connection to `t` (the next run makes a new one, checking keys again). */
const closeMaster = (t: SshTarget) => {
  try {
    execFileSync('ssh', [...sshOptions(), '-O', 'exit', ...targetArgs(t)], { stdio: 'ignore' });
  } catch {
    return; // no master was running
  }
};

/** A hub link to `t`; `waitMs`: how long to wait for its agent (a refused one never comes). */
async function connect(t: SshTarget, waitMs = 20_000, nixNode = false): Promise<{ link: AgentLink; c: DirectClient; statuses: HostInfo[] }> {
  const link = new AgentLink(sshLauncher(t, AGENT_DIR, { nixNode }));
  const router = HostRouter.of(link);
  const c = new DirectClient(link, router);
  const statuses: HostInfo[] = [];
  c.on('host.status', (h) => statuses.push(h));
  open.push({ link, router, c });
  await link.start(waitMs);
  return { link, c, statuses };
}

beforeAll(async () => {
  await down(NAME);
  state = await up({ name: NAME, extraGuests: 0, nixos: false });
  dir = mkdtempSync(join(tmpdir(), 'nsd-it-ssh-'));
  ssh = await enableSsh(state, join(dir, 'ssh'));
  process.env.NSD_SSH_CONFIG = ssh.config;
}, 300_000);
afterAll(async () => {
  for (const o of open) {
    o.c.close();
    await o.router.stop();
  }
  delete process.env.NSD_SSH_CONFIG;
  await down(NAME);
  rmSync(dir, { recursive: true, force: true });
});

describe('a host over SSH', () => {
  it('copies the agent once, lists the machines, and a second start reuses the copy', async () => {
    const { c, link } = await connect(target('root'));
    await until('connected over ssh', () => c.status?.connected === true, 30_000);
    expect(c.status).toMatchObject({ kind: 'ssh', label: `root@${ssh.alias}`, access: 'admin' });
    await c.refresh();
    expect(c.machines.map((m) => m.name).sort()).toEqual(['build', 'db', 'web']);
    const copy = `/proc/${state.leaderPid}/root/root/.cache/nspawn-desktop/agent-${bundleHash(AGENT_DIR)}/agent.cjs`;
    expect(existsSync(copy)).toBe(true);
    const copiedAt = statSync(copy).mtimeMs;
    await link.stop();
    const again = await connect(target('root'));
    await until('connected again', () => again.c.status?.connected === true, 30_000);
    expect(statSync(copy).mtimeMs).toBe(copiedAt);
  });

  it('a shell on a remote machine survives a killed SSH connection and is re-adopted with its screen', async () => {
    const { c, statuses } = await connect(target('root'));
    await until('connected', () => c.status?.connected === true, 30_000);
    const out: string[] = [];
    c.on('terminal.data', ({ data }) => out.push(data));
    const t = await c.call<{ id: string; token: string }>('terminal.open', { machine: 'web', cols: 80, rows: 24 });
    await until('a prompt', () => /root@web/.test(out.join('')), 20_000);
    await c.call('terminal.write', { id: t.id, data: 'echo over-$((40+2))\r' });
    await until('the echo', () => out.join('').includes('over-42'), 10_000);
    const epoch = c.status?.epoch;
    // What a dropped network does to the connection: sshd's side of it ends.
    closeMaster(target('root'));
    inHost(state, ['pkill', '-KILL', '-f', '^sshd: root'], [0, 1]);
    await until('disconnected', () => statuses.some((s) => !s.connected), 20_000);
    await until('back by itself', () => c.status?.connected === true && c.status.epoch === epoch, 30_000);
    const back = await c.call<{ screen: string }>('terminal.reattach', { id: t.id, token: t.token, cols: 80, rows: 24 });
    expect(back.screen).toContain('over-42');
    await c.call('terminal.close', { id: t.id });
  });
});

describe('refusals say what is wrong', () => {
  it('a changed host key: refused, with the key the host offers now', async () => {
    closeMaster(target('alice'));
    pinHostKey(ssh, otherHostKey(dir));
    try {
      const { link, statuses } = await connect(target('alice'), 1);
      await until('refused', () => /host key/.test(link.error ?? ''), 30_000);
      expect(link.error).toContain('changed');
      await until('the problem in the host status', () => statuses.some((st) => st.problem === 'host_key_changed'), 5000);
      expect(link.error).toContain(ssh.hostKeyFingerprint);
    } finally {
      pinHostKey(ssh, ssh.hostKey);
    }
  });

  it('an unknown host key: refused, with the key the host offers', async () => {
    closeMaster(target('alice'));
    pinHostKey(ssh, null);
    try {
      const { link } = await connect(target('alice'), 1);
      await until('refused', () => /not known/.test(link.error ?? ''), 30_000);
      expect(link.error).toContain(`ssh-ed25519 ${ssh.hostKeyFingerprint}`);
    } finally {
      pinHostKey(ssh, ssh.hostKey);
    }
  });

  it('a refused login (the password ssh asks for is not given), and a host without node', async () => {
    const asked: string[] = [];
    const cancel = (p: Prompt) => {
      asked.push(p.prompt);
      askpass.answer(p.id, undefined); // as a person pressing Cancel
    };
    askpass.on('prompt', cancel);
    const { link } = await connect(target('nobody'), 1);
    await until('refused', () => /refused the login/.test(link.error ?? ''), 30_000);
    askpass.off('prompt', cancel);
    expect(asked[0]).toMatch(/nobody@.*password/);
    setRemoteNode(state, false);
    try {
      const alice = await connect(target('alice'), 1);
      await until('node missing', () => /no node on its PATH/.test(alice.link.error ?? ''), 30_000);
      await until('the problem in the host status', () => alice.statuses.some((st) => st.problem === 'node_missing'), 5000);
      expect(alice.link.error).toContain('allowing Nix to provide it');
      // Allowed to ask Nix: the host's real nix runs, and what it says is the reason (this sandbox
      // has no network, so it cannot fetch nixpkgs).
      const viaNix = await connect(target('root'), 1, true);
      await until('nix tried', () => /nix could not provide nixpkgs#nodejs/.test(viaNix.link.error ?? ''), 60_000);
      expect(viaNix.link.error).toMatch(/nixpkgs#nodejs: .*(download|resolve|network|registry)/i);
    } finally {
      setRemoteNode(state, true);
    }
  });
});
