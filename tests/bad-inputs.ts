// Bad requests for every method of the contract, shared by the unit test (the boundary refuses
// them before any handler runs) and the integration test (the real backend on a real host
// executes and writes nothing). `stage` says who refuses: the zod boundary, or the service's own
// validation (CIDRs, which need the form as a whole).
import { requests, type Method } from '../shared/contract';

export interface BadInput {
  method: Method;
  label: string;
  params: unknown;
  stage: 'boundary' | 'service';
}

const FORM = {
  addresses: ['192.168.42.1/24'], gateways: [], dns: [], dhcp: 'no', dhcpServer: 'no',
  ipMasquerade: 'no', linkLocal: 'ipv6', mdns: 'no',
};

/** A valid request of each method, which the mutations below spoil one way at a time. */
const SETTINGS = { binds: [], tmpfs: [], ports: [], environment: [], ephemeral: '', privateUsers: '', credentials: [] };

export const VALID: { [M in Method]: Record<string, unknown> } = {
  'host.info': {},
  'host.overview': {},
  'host.diagnostics': {},
  'machines.refresh': {},
  'machines.list': {},
  'machines.start': { name: 'web' },
  'machines.stop': { name: 'web' },
  'machines.restart': { name: 'web' },
  'machines.poweroff': { name: 'web' },
  'machines.reboot': { name: 'web' },
  'machines.terminate': { name: 'web' },
  'machines.setAutostart': { name: 'web', enabled: true },
  'machines.details': { name: 'web' },
  'machines.metrics': { names: ['web'] },
  'ops.start': { kind: 'machine.start', name: 'web' },
  'ops.list': {},
  'images.list': {},
  'images.removalPlan': { name: 'db' },
  'settings.get': { name: 'db' },
  'settings.preview': { name: 'db', form: SETTINGS, tag: 'absent' },
  'settings.apply': { name: 'db', form: SETTINGS, tag: 'absent' },
  'settings.undo': { token: '0123456789abcdef' },
  'settings.setLimits': { name: 'db', limits: { memoryMax: 67108864 }, runtime: true, persistent: false },
  'ops.cancel': { op: 'o1' },
  'journal.follow': { name: 'web', source: 'container' },
  'journal.stop': { id: 'j1' },
  'journal.ack': { id: 'j1', entries: 10 },
  'network.get': { name: 'db' },
  'network.preview': { name: 'db', host: FORM },
  'network.apply': { name: 'db', host: FORM, tags: {} },
  'network.undo': { token: '0123456789abcdef' },
  'network.forget': { token: '0123456789abcdef' },
  'terminal.open': { machine: 'web', cols: 80, rows: 24 },
  'terminal.write': { id: 't0123abcd1', data: 'x' },
  'terminal.resize': { id: 't0123abcd1', cols: 80, rows: 24 },
  'terminal.reattach': { id: 't0123abcd1', token: '0123456789abcdef0123456789abcdef', cols: 80, rows: 24 },
  'terminal.ack': { id: 't0123abcd1', chars: 10 },
  'terminal.close': { id: 't0123abcd1' },
  'terminal.handoff': { id: 't0123abcd1' },
  'terminal.adopt': { handoff: '0123456789abcdef0123456789abcdef', cols: 80, rows: 24 },
};

/** Names a shell, a path or a human would misread: each must be refused as a machine name. */
export const BAD_NAMES: [string, unknown][] = [
  ['shell ;', 'web; reboot'], ['shell $()', '$(id)'], ['backticks', '`id`'], ['pipe', 'web|cat'],
  ['and', 'web&&x'], ['redirect', 'web>/etc/passwd'], ['glob', 'web*'], ['space', 'web db'],
  ['newline', 'web\nreboot'], ['dotdot', '..'], ['relative path', '../etc'], ['absolute path', '/etc/passwd'],
  ['slash', 'web/..'], ['NUL', 'web\0'], ['option', '-rf'], ['long option', '--help'],
  ['cyrillic look-alike', 'w\u0435b'], ['fullwidth look-alike', '\uff57\uff45\uff42'], ['zero-width joiner', 'we\u200db'],
  ['underscore', 'my_web'], ['empty', ''], ['65 chars', 'a'.repeat(65)], ['1 MB', 'a'.repeat(1_000_000)],
  ['leading dot', '.web'], ['double dot', 'web..db'], ['number', 42], ['null', null], ['object', { toString: 'web' }],
];

/** CIDRs that look almost right; the service refuses them next to the field. */
export const BAD_CIDRS = [
  '192.168.42.1/33', '192.168.042.1/24', '1.2.3/24', '0x7f.0.0.1/8', '::1::2/64', 'fe80::1%eth0/64',
  '192.168.42.1', '192.168.42.1/24; rm -rf /', '192.168.42.1/24\nDNS=203.0.113.9', '256.1.1.1/24', 'fc42::1/129', '10.0.0.1/ 24',
];

/** Gateways and DNS servers are plain addresses. */
export const BAD_IPS = [
  '192.168.042.1', '1.2.3', '0x7f.0.0.1', '::1::2', '256.1.1.1', '192.168.42.1/24', '192.168.42.1; id',
  '\n192.168.42.1', '192.168.42.1\n', '192.168.42.1\nDNS=203.0.113.9', 'fe80::1%host0', 'localhost',
];

const nameField: Partial<Record<Method, string>> = {
  'machines.start': 'name', 'machines.stop': 'name', 'machines.restart': 'name', 'machines.poweroff': 'name',
  'machines.reboot': 'name', 'machines.terminate': 'name', 'machines.setAutostart': 'name', 'machines.details': 'name',
  'ops.start': 'name', 'images.removalPlan': 'name', 'settings.get': 'name', 'settings.preview': 'name', 'settings.apply': 'name', 'settings.setLimits': 'name', 'journal.follow': 'name', 'network.get': 'name', 'network.preview': 'name', 'network.apply': 'name', 'terminal.open': 'machine',
};

const idField: Partial<Record<Method, string>> = {
 'settings.undo': 'token', 'ops.cancel': 'op', 'journal.stop': 'id', 'journal.ack': 'id', 'network.undo': 'token', 'network.forget': 'token', 'terminal.write': 'id', 'terminal.resize': 'id',
  'terminal.ack': 'id', 'terminal.close': 'id', 'terminal.handoff': 'id', 'terminal.adopt': 'handoff', 'terminal.reattach': 'token',
};
const BAD_IDS: unknown[] = ['../t1', 't1; id', 't', 'T1', 't1\0', 'x'.repeat(10_000), 1, null];

const bigForm = (k: string, v: unknown) => ({ ...FORM, [k]: v });

/** Per-method cases beyond names and ids: wrong types, ranges and oversize values. */
const SPECIFIC: [Method, string, Record<string, unknown>][] = [
  ['machines.setAutostart', 'enabled as string', { name: 'web', enabled: 'yes' }],
  ['machines.metrics', '201 names', { names: Array.from({ length: 201 }, (_, i) => `m${i}`) }],
  ['machines.metrics', 'a bad name in the list', { names: ['web', 'db;id'] }],
  ['machines.metrics', 'names as string', { names: 'web' }],
  ['ops.start', 'unknown kind', { kind: 'machine.delete', name: 'web' }],
  ['ops.start', 'no kind', { name: 'web' }],
  ['ops.start', 'a parameter of another kind', { kind: 'machine.stop', name: 'web', force: true }],
  ['settings.preview', 'a bind source with ..', { name: 'db', tag: 'absent', form: { ...SETTINGS, binds: [{ source: '/srv/../etc', target: '/x', readOnly: false, options: [] }] } }],
  ['settings.preview', 'a bind source with : injection', { name: 'db', tag: 'absent', form: { ...SETTINGS, binds: [{ source: '/srv:/etc', target: '/x', readOnly: false, options: [] }] } }],
  ['settings.preview', 'a bind option that is not one', { name: 'db', tag: 'absent', form: { ...SETTINGS, binds: [{ source: '/srv', target: '/x', readOnly: false, options: ['rw,exec'] }] } }],
  ['settings.preview', 'port 0', { name: 'db', tag: 'absent', form: { ...SETTINGS, ports: [{ protocol: 'tcp', host: 0, container: 80 }] } }],
  ['settings.preview', 'port 70000', { name: 'db', tag: 'absent', form: { ...SETTINGS, ports: [{ protocol: 'tcp', host: 8080, container: 70000 }] } }],
  ['settings.preview', 'a credential name with /', { name: 'db', tag: 'absent', form: { ...SETTINGS, credentials: [{ name: 'a/b', kind: 'set', keep: false, value: 'x' }] } }],
  ['settings.preview', 'an environment value with a newline', { name: 'db', tag: 'absent', form: { ...SETTINGS, environment: [{ name: 'A', value: 'x\nBind=/:/host' }] } }],
  ['settings.setLimits', 'MemoryMax "lots"', { name: 'db', limits: { memoryMax: 'lots' }, runtime: true, persistent: false }],
  ['settings.setLimits', 'MemoryMax -1', { name: 'db', limits: { memoryMax: -1 }, runtime: true, persistent: false }],
  ['settings.setLimits', 'neither now nor kept', { name: 'db', limits: {}, runtime: false, persistent: false }],
  ['ops.start', 'a clone to a name with _', { kind: 'image.clone', name: 'db', newName: 'db_2', readOnly: false }],
  ['ops.start', 'a limit of -1', { kind: 'image.limit', name: 'db', bytes: -1 }],
  ['ops.start', 'a limit of 10 EB', { kind: 'image.limit', name: 'db', bytes: 10 * 2 ** 60 }],
  ['ops.start', 'a removal without the name typed again', { kind: 'image.remove', name: 'db', confirm: 'web' }],
  ['ops.start', 'a pull from file:', { kind: 'image.pull', url: 'file:///etc/shadow', name: 'x', format: 'tar', verify: 'no', force: false }],
  ['ops.start', 'a pull with an unknown verify mode', { kind: 'image.pull', url: 'http://127.0.0.1/x.tar', name: 'x', format: 'tar', verify: 'maybe', force: false }],
  ['ops.start', 'an import from a relative path', { kind: 'image.import', path: 'x.tar', name: 'x', format: 'tar', readOnly: false, force: false }],
  ['ops.start', 'an import through ..', { kind: 'image.import', path: '/srv/../etc/shadow', name: 'x', format: 'tar', readOnly: false, force: false }],
  ['ops.start', 'an import that is an option', { kind: 'image.import', path: '--help', name: 'x', format: 'tar', readOnly: false, force: false }],
  ['journal.follow', 'unknown source', { name: 'web', source: 'kernel' }],
  ['journal.follow', 'priority 8', { name: 'web', source: 'unit', priority: 8 }],
  ['journal.follow', 'lines 1e6', { name: 'web', source: 'unit', lines: 1_000_000 }],
  ['journal.follow', 'lines fractional', { name: 'web', source: 'unit', lines: 1.5 }],
  ['network.preview', 'unknown form key', { name: 'db', host: { ...FORM, PreUp: 'rm -rf /' } }],
  ['network.preview', '33 addresses', { name: 'db', host: bigForm('addresses', Array.from({ length: 33 }, (_, i) => `10.0.${i}.1/24`)) }],
  ['network.preview', '65-char address', { name: 'db', host: bigForm('addresses', [`10.0.0.1/24${' '.repeat(54)}`]) }],
  ['network.preview', 'dhcp enum', { name: 'db', host: bigForm('dhcp', 'always') }],
  ['network.preview', 'side "both"', { name: 'db', both: FORM }],
  ['network.apply', 'no tags', { name: 'db', host: FORM }],
  ['network.apply', '65 tags', { name: 'db', host: FORM, tags: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`/f${i}`, 'x'])) }],
  ['network.apply', 'tag of 1 MB', { name: 'db', host: FORM, tags: { '/etc/x': 'x'.repeat(1_000_000) } }],
  ['terminal.open', 'user with option', { machine: 'web', cols: 80, rows: 24, user: 'root --help' }],
  ['terminal.open', 'user as path', { machine: 'web', cols: 80, rows: 24, user: '../root' }],
  ['terminal.open', 'command as string', { machine: 'web', cols: 80, rows: 24, command: 'rm -rf /' }],
  ['terminal.open', 'command with NUL', { machine: 'web', cols: 80, rows: 24, command: ['/bin/sh\0'] }],
  ['terminal.open', '65 arguments', { machine: 'web', cols: 80, rows: 24, command: Array(65).fill('a') }],
  ['terminal.open', 'empty argument', { machine: 'web', cols: 80, rows: 24, command: [''] }],
  ['terminal.open', 'mode "root"', { machine: 'web', cols: 80, rows: 24, mode: 'root' }],
  ['terminal.open', 'cols 0', { machine: 'web', cols: 0, rows: 24 }],
  ['terminal.open', 'rows 1e6', { machine: 'web', cols: 80, rows: 1_000_000 }],
  ['terminal.open', 'cols NaN-ish', { machine: 'web', cols: '80', rows: 24 }],
  ['terminal.write', 'data over 1 MB', { id: 't0123abcd1', data: 'x'.repeat(1_000_001) }],
  ['terminal.write', 'data as bytes', { id: 't0123abcd1', data: [1, 2, 3] }],
  ['terminal.resize', 'negative rows', { id: 't0123abcd1', cols: 80, rows: -1 }],
  ['terminal.ack', 'negative chars', { id: 't0123abcd1', chars: -5 }],
  ['terminal.ack', 'chars 1e12', { id: 't0123abcd1', chars: 1e12 }],
  ['terminal.adopt', 'cols 0', { handoff: '0123456789abcdef0123456789abcdef', cols: 0, rows: 24 }],
  ['terminal.adopt', 'uppercase token', { handoff: '0123456789ABCDEF0123456789ABCDEF', cols: 80, rows: 24 }],
];

export function badInputs(): BadInput[] {
  const out: BadInput[] = [];
  for (const method of Object.keys(requests) as Method[]) {
    const valid = VALID[method];
    const add = (label: string, params: unknown, stage: BadInput['stage'] = 'boundary') => out.push({ method, label, params, stage });
    add('params as string', 'web');
    add('params as array', ['web']);
    add('params as number', 7);
    add('an extra key', { ...valid, extra: 1 });
    add('a prototype key', JSON.parse(`{"__proto__": {"admin": true}, ${JSON.stringify(valid).slice(1, -1) || '"x": 1'}}`));
    const nf = nameField[method];
    if (nf) for (const [label, v] of BAD_NAMES) add(`${nf}: ${label}`, { ...valid, [nf]: v });
    const idf = idField[method];
    if (idf) for (const v of BAD_IDS) add(`${idf}: ${JSON.stringify(v).slice(0, 20)}`, { ...valid, [idf]: v });
  }
  for (const [method, label, params] of SPECIFIC) out.push({ method, label, params, stage: 'boundary' });
  for (const method of ['network.preview', 'network.apply'] as const) {
    for (const cidr of BAD_CIDRS) {
      out.push({ method, label: `address ${JSON.stringify(cidr)}`, params: { ...VALID[method], host: bigForm('addresses', [cidr]) }, stage: 'service' });
    }
    for (const ip of BAD_IPS) {
      const container = (k: string) => ({ ...bigForm('addresses', ['192.168.42.2/24']), [k]: [ip] });
      out.push({ method, label: `gateway ${JSON.stringify(ip)}`, params: { ...VALID[method], container: container('gateways') }, stage: 'service' });
      out.push({ method, label: `dns ${JSON.stringify(ip)}`, params: { ...VALID[method], container: container('dns') }, stage: 'service' });
    }
  }
  return out;
}
