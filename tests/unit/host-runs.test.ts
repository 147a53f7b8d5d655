// What a host's status does to its shell tabs: which re-attach after the agent came back, which
// lost their shell with their pty host, and which ended because administrative access was locked.
import { describe, expect, it } from 'vitest';
import { HostRuns } from '../../renderer/src/terminals/host-runs';

const USER = 'aaaaaaaa11112222'; // alice's pty host
const ROOT = 'bbbbbbbb33334444'; // root's, while unlocked
const userShell = 'taaaaaaaa1';
const rootShell = 'tbbbbbbbb1';
const label = 'localhost';

describe('HostRuns', () => {
  it('the first status keeps every tab; an agent restart on the same pty host re-attaches them', () => {
    const runs = new HostRuns();
    expect(runs.update('local', { epoch: USER, access: 'limited', label })(userShell)).toEqual({ kind: 'keep' });
    expect(runs.update('local', { label })(userShell)).toEqual({ kind: 'waiting', reason: 'the agent on localhost is reconnecting…' });
    expect(runs.update('local', { epoch: USER, access: 'limited', label })(userShell)).toEqual({ kind: 'reattach' });
  });

  it('a new pty host ends the tabs of the old one', () => {
    const runs = new HostRuns();
    runs.update('local', { epoch: USER, access: 'limited', label });
    expect(runs.update('local', { epoch: 'cccccccc55556666', access: 'limited', label })(userShell))
      .toEqual({ kind: 'ended', reason: 'the shells on localhost ended (its terminal process restarted)' });
  });

  it('Unlock keeps the user\'s shells; Lock ends the root shells with the reason, and keeps the user\'s', () => {
    const runs = new HostRuns();
    runs.update('local', { epoch: USER, access: 'limited', label });
    runs.update('local', { label });
    expect(runs.update('local', { epoch: `${USER} ${ROOT}`, access: 'admin', label })(userShell)).toEqual({ kind: 'reattach' });
    runs.update('local', { label });
    const fate = runs.update('local', { epoch: USER, access: 'limited', label });
    expect(fate(userShell)).toEqual({ kind: 'reattach' });
    expect(fate(rootShell)).toEqual({ kind: 'ended', reason: 'this shell on localhost ran with administrative access, which was locked' });
  });

  it('hosts are separate: one host\'s new pty host ends none of another\'s tabs', () => {
    const runs = new HostRuns();
    runs.update('a', { epoch: USER, access: 'admin', label: 'a' });
    runs.update('b', { epoch: USER, access: 'admin', label: 'b' });
    runs.update('a', { epoch: ROOT, access: 'admin', label: 'a' });
    expect(runs.update('b', { epoch: USER, access: 'admin', label: 'b' })(userShell)).toEqual({ kind: 'keep' });
  });
});
