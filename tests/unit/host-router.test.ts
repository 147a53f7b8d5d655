// The hub stamps every agent frame with the host it came from, and reads its host list from the
// environment; both decide which host a window believes it is looking at.
import { describe, expect, it } from 'vitest';
import { stampHost } from '../../hub/host-router';
import { launchersFrom } from '../../hub/hosts-config';
import { lastTellingLine } from '../../hub/agent-link';

const enc = new TextEncoder();
const dec = new TextDecoder();

describe('stampHost', () => {
  it('adds the host to text and byte frames without changing the rest', () => {
    const frame = '{"t":"evt","name":"terminal.data","payload":{"id":"t1","data":"é\\u001b[0m"}}';
    const fromText = JSON.parse(stampHost(frame, 'sandbox-a') as string);
    const fromBytes = JSON.parse(dec.decode(stampHost(enc.encode(frame), 'sandbox-a') as Uint8Array));
    for (const f of [fromText, fromBytes]) {
      expect(f.host).toBe('sandbox-a');
      expect(f.payload).toEqual({ id: 't1', data: 'é\u001b[0m' });
    }
  });

  it('an agent that names a host itself is overruled by the hub', () => {
    const lying = '{"t":"evt","host":"other","name":"machines.changed","payload":[]}';
    expect(JSON.parse(stampHost(lying, 'local') as string).host).toBe('local');
    expect(JSON.parse(dec.decode(stampHost(enc.encode(lying), 'local') as Uint8Array)).host).toBe('local');
  });

  it('refuses a frame that is not a JSON object', () => {
    expect(stampHost('[1,2]', 'local')).toBeUndefined();
    expect(stampHost(enc.encode('"x"'), 'local')).toBeUndefined();
  });
});

describe('NSD_HOSTS', () => {
  it('reads local, sandbox and ssh hosts, with ids and labels', () => {
    const l = launchersFrom('local, sandbox:a ,sandbox:b-2,ssh:admin@web1:2222', '/x');
    expect(l.map((h) => [h.id, h.label, h.kind])).toEqual([
      ['local', 'localhost', 'local'], ['sandbox-a', 'sandbox a', 'sandbox'], ['sandbox-b-2', 'sandbox b-2', 'sandbox'],
      ['ssh-admin-web1-2222', 'admin@web1:2222', 'ssh'],
    ]);
  });

  it('says which entry it does not understand, and refuses a host named twice', () => {
    expect(() => launchersFrom('local,web1', '/x')).toThrow(/"web1" is none of/);
    expect(() => launchersFrom('ssh:-oProxyCommand=x', '/x')).toThrow(/not a host name/);
    expect(() => launchersFrom('sandbox:../etc', '/x')).toThrow(/none of/);
    expect(() => launchersFrom('sandbox:a,sandbox:a', '/x')).toThrow(/sandbox-a twice/);
  });
});

describe('why an agent died, in one line', () => {
  it('takes polkit\'s refusal, not pkexec\'s trailer', () => {
    expect(lastTellingLine('Error executing command as another user: Not authorized\n\nThis incident has been reported.\n'))
      .toBe('Error executing command as another user: Not authorized');
  });
  it('takes a crash\'s error line, not its stack or Node\'s version', () => {
    expect(lastTellingLine('/x/agent.cjs:10\nError: EACCES: permission denied\n    at open (node:fs:1)\n    at main (/x/agent.cjs:9)\n\nNode.js v20.19.0\n'))
      .toBe('Error: EACCES: permission denied');
    expect(lastTellingLine('\n  \n')).toBeUndefined();
  });
});
