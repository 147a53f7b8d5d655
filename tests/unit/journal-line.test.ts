// A journal JSON line, as journalctl prints it for a container whose journal the container wrote:
// what the view shows and where a replacement journalctl reads on from.
import { describe, expect, it } from 'vitest';
import { parseJournalLine } from '../../agent/journal/service';

const CURSOR = 's=7529817256d340b5a18c6e2abec828fd;i=15f9a6;b=835066df0de4419a88c36260867f8583;m=465967f03;t=661f8e4a40060;x=53cfa824717b7102';
const line = (fields: Record<string, unknown>) => JSON.stringify({ __CURSOR: CURSOR, __REALTIME_TIMESTAMP: '1796571476000864', PRIORITY: '6', ...fields });

describe('parseJournalLine', () => {
  it('gives the entry and its cursor', () => {
    expect(parseJournalLine(line({ MESSAGE: 'hello', SYSLOG_IDENTIFIER: 'app', _PID: '42' }))).toEqual({
      cursor: CURSOR,
      entry: { ts: 1796571476000.864, priority: 6, message: 'hello', ident: 'app', pid: '42' },
    });
  });

  it('keeps the cursor of an entry it cannot show, so a replacement does not read it again', () => {
    expect(parseJournalLine(line({ MESSAGE: { not: 'text' } }))).toEqual({ cursor: CURSOR });
  });

  it('drops a cursor that is not one (it would go back to journalctl as an argument)', () => {
    for (const bad of ['--output=export', 's=1;i=2 --since=x', '', 's=zz']) {
      expect(parseJournalLine(line({ __CURSOR: bad, MESSAGE: 'm' })).cursor).toBeUndefined();
    }
  });

  it('decodes a MESSAGE given as bytes and cuts a very long one', () => {
    expect(parseJournalLine(line({ MESSAGE: [104, 105] })).entry?.message).toBe('hi');
    expect(parseJournalLine(line({ MESSAGE: 'x'.repeat(5000) })).entry?.message).toHaveLength(4001);
  });

  it('gives nothing for a line that is not JSON', () => {
    expect(parseJournalLine('{"MESSAGE": "cut')).toEqual({});
  });
});
