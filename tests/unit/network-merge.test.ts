// networkd's list merging as the form reads it: entries accumulate across the main file and its
// drop-ins ([Network] lines and [Address]/[Route] sections alike), each with its file; an edit
// removes an entry where it is and adds new ones to one chosen file.
import { describe, expect, it } from 'vitest';
import { appendItems, listDiff, listItems, removeItem } from '../../agent/network/list-items';
import { parseUnit, serializeUnit } from '../../shared/unitfile';

const MAIN = '/etc/systemd/network/10-ve-db.network';
const DROPIN = '/etc/systemd/network/10-ve-db.network.d/50-extra.conf';
const main = parseUnit('[Match]\nName=ve-db\n\n[Network]\nAddress=192.168.42.1/24 fc42::1/64\nDNS=9.9.9.9\n\n[Address]\nAddress=10.7.7.1/24\nLabel=seven\n\n[Route]\nGateway=10.7.7.254\n\n[Route]\nDestination=10.1.0.0/16\nGateway=10.7.7.253\n');
const dropin = parseUnit('[Network]\nAddress=\nAddress=10.9.9.1/24\nDNS=\nDNS=1.1.1.1\n');
const files = [{ rel: MAIN, doc: main }, { rel: DROPIN, doc: dropin }];

describe('networkd list merging', () => {
  it('accumulates addresses from both files and [Address] sections; an empty Address= resets nothing', () => {
    expect(listItems('addresses', files)).toEqual([
      { value: '192.168.42.1/24', file: MAIN, place: 'Network' },
      { value: 'fc42::1/64', file: MAIN, place: 'Network' },
      { value: '10.7.7.1/24', file: MAIN, place: 'Address' },
      { value: '10.9.9.1/24', file: DROPIN, place: 'Network' },
    ]);
  });

  it('an empty DNS= empties the list; a route with a destination is not a default gateway', () => {
    expect(listItems('dns', files)).toEqual([{ value: '1.1.1.1', file: DROPIN, place: 'Network' }]);
    expect(listItems('gateways', files)).toEqual([{ value: '10.7.7.254', file: MAIN, place: 'Route' }]);
  });

  it('editing one address of the main file leaves the drop-in\'s address in the drop-in', () => {
    const items = listItems('addresses', files);
    const { removed, added } = listDiff(items, ['192.168.42.1/24', '10.7.7.1/24', '10.9.9.1/24', 'fc43::1/64']);
    expect(removed).toEqual([{ value: 'fc42::1/64', file: MAIN, place: 'Network' }]);
    expect(added).toEqual(['fc43::1/64']);
    const after = serializeUnit(appendItems(removeItem(main, 'addresses', removed[0]), 'addresses', added));
    expect(after).toContain('[Network]\nAddress=192.168.42.1/24\nAddress=fc43::1/64\nDNS=9.9.9.9\n');
    expect(after).not.toContain('10.9.9.1');
    expect(after).toContain('[Address]\nAddress=10.7.7.1/24\nLabel=seven\n');
  });

  it('removing an [Address] entry removes its section, and nothing else', () => {
    const after = serializeUnit(removeItem(main, 'addresses', { value: '10.7.7.1/24', place: 'Address' }));
    expect(after).not.toContain('10.7.7.1');
    expect(after).not.toContain('Label=seven');
    expect(after).toContain('[Route]\nGateway=10.7.7.254\n');
    expect(after).toContain('Address=192.168.42.1/24 fc42::1/64');
  });
});
