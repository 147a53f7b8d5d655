// SSH hosts as people type them, and ssh's failures as people read them: a target never becomes an
// option or a shell word, and each refusal names what to do.
import { describe, expect, it } from 'vitest';
import { formatTarget, parseTarget, targetArgs, targetId } from '../../hub/ssh/target';
import { classifySsh, serverKeyIn } from '../../hub/ssh/failure';

describe('parseTarget', () => {
  it.each([
    ['admin@server1', { user: 'admin', host: 'server1' }, ['-l', 'admin', '--', 'server1'], 'ssh-admin-server1'],
    ['root@db.example.org:2222', { user: 'root', host: 'db.example.org', port: 2222 }, ['-p', '2222', '-l', 'root', '--', 'db.example.org'], 'ssh-root-db.example.org-2222'],
    ['prod-box', { host: 'prod-box' }, ['--', 'prod-box'], 'ssh-prod-box'],
    ['me@[fd00::1]:22', { user: 'me', host: 'fd00::1', port: 22 }, ['-p', '22', '-l', 'me', '--', 'fd00::1'], 'ssh-me-fd00-1-22'],
  ])('%s', (text, target, args, id) => {
    const t = parseTarget(text);
    expect(t).toEqual(target);
    expect(targetArgs(t as never)).toEqual(args);
    expect(targetId(t as never)).toBe(id);
    expect(formatTarget(t as never)).toBe(text);
  });

  it.each([
    ['', 'name a host'], ['-oProxyCommand=sh', 'not a host name'], ['a@-x', 'not a host name'], ['x;rm -rf /', 'not a host name'],
    ['$(id)@h', 'not a user name'], ['h:0', 'not a port'], ['h:70000', 'not a port'], ['h:22x', 'not a port'],
    ['me@[not-v6]', 'not an IPv6 address'], ['h o', 'not a host name'], ['a'.repeat(300), 'too long'],
  ])('refuses %j', (text, why) => {
    expect((parseTarget(text) as { error: string }).error).toContain(why);
  });
});

describe('classifySsh', () => {
  const t = 'root@db';
  it('a changed host key, with the fingerprint ssh printed', () => {
    const err = '@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n...The fingerprint for the ED25519 key sent by the remote host is\nSHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG.\nHost key verification failed.\n';
    expect(classifySsh(t, 255, err)).toMatchObject({ problem: 'host_key_changed', message: expect.stringContaining('SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG') });
  });
  it('an unknown host key, a refused login, no node, sudo, the network', () => {
    expect(classifySsh(t, 255, 'No ED25519 host key is known for db and you have requested strict checking.\nHost key verification failed.\n')?.problem).toBe('host_key_unknown');
    expect(classifySsh(t, 255, 'root@db: Permission denied (publickey).\n')?.message).toContain('Permission denied (publickey)');
    expect(classifySsh(t, 4, 'nspawn-desktop: node-missing\n')?.problem).toBe('node_missing');
    expect(classifySsh(t, 1, 'sudo: a password is required\n')?.problem).toBe('sudo_refused');
    expect(classifySsh(t, 255, 'ssh: Could not resolve hostname db: Name or service not known\n')?.message).toBe('cannot reach root@db: Could not resolve hostname db: Name or service not known');
    expect(classifySsh(t, 255, 'ssh: connect to host db port 22: Connection refused\n')?.problem).toBe('unreachable');
  });
  it('no node: what to do depends on whether Nix was allowed, and Nix\'s own error is the reason', () => {
    expect(classifySsh(t, 4, 'nspawn-desktop: node-missing\n')?.message).toContain('allowing Nix to provide it');
    expect(classifySsh(t, 4, 'nspawn-desktop: node-missing-no-nix\n')?.message).toBe('root@db has neither node nor nix on its PATH: install Node.js 20 or newer there');
    const nix = 'nspawn-desktop: asking nix for nodejs\nwarning: error: unable to download \'https://x/flake-registry.json\': Couldn\'t resolve host name (6); retrying in 257 ms\n'
      + 'error: unable to download \'https://x/flake-registry.json\': Couldn\'t resolve host name (6)\nnspawn-desktop: nix-node-failed\n';
    expect(classifySsh(t, 4, nix)).toEqual({ problem: 'node_missing', message: 'root@db has no node on its PATH, and nix could not provide nixpkgs#nodejs: unable to download \'https://x/flake-registry.json\': Couldn\'t resolve host name (6)' });
  });
  it('an agent that failed for its own reasons is not an ssh problem', () => {
    expect(classifySsh(t, 1, 'Error: EACCES: permission denied, open \'/etc/x\'\n')).toBeUndefined();
  });
  it('reads the offered key from ssh -v', () => {
    expect(serverKeyIn('debug1: Server host key: ssh-ed25519 SHA256:I9qb4oPegQ1IzYTCOSFfwfDo8jZhwIEaGWft56e3Yzg\n'))
      .toEqual({ type: 'ssh-ed25519', fingerprint: 'SHA256:I9qb4oPegQ1IzYTCOSFfwfDo8jZhwIEaGWft56e3Yzg' });
  });
});
