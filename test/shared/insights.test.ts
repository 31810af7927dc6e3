import { describe, expect, it } from 'vitest';
import { buildInsights, median } from '../../shared/insights';
import { csvField, reportToCsv, reportToMarkdown, tableToCsv, tableToMarkdown } from '../../shared/insights-export';

const NOW = Date.parse('2026-12-03T12:00:00.000Z');
const run = (wizardId: string, outcome: string, minutes: number, customerId = 'acme', path: string[] = ['check', 'fix']) => ({
  customerId,
  wizardId,
  outcome,
  path,
  startedAt: new Date(NOW - 3_600_000 - minutes * 60_000).toISOString(),
  finishedAt: new Date(NOW - 3_600_000).toISOString(),
});

describe('Insights tables', () => {
  const report = buildInsights({
    days: 30,
    now: NOW,
    runs: [
      run('export-job-behind', 'remediated', 10),
      run('export-job-behind', 'remediated', 30, 'globex'),
      run('export-job-behind', 'escalated', 5, 'acme', ['check', 'restart-worker']),
      run('export-job-behind', 'escalated', 7, 'globex', ['check', 'restart-worker']),
      run('sso-enforced-early', 'workaround', 4),
      run('sso-enforced-early', 'escalated', 2, 'acme', ['idp-check']),
    ],
    problems: [
      {
        id: 'p1',
        title: 'Exports lag',
        status: 'fixed',
        workaroundWizard: 'export-job-behind',
        createdAt: '2026-11-01T12:00:00.000Z',
        fixedAt: '2026-11-21T12:00:00.000Z',
        hits: [
          { customerId: 'acme', occurrences: 3, isRegression: true },
          { customerId: 'globex', occurrences: 1, isRegression: false },
          { customerId: 'hooli', occurrences: 0, isRegression: false },
        ],
      },
    ],
    signatures: [
      {
        signature: 'alert:exportjoblag:1',
        customers: 2,
        signals: 4,
        firstAt: '2026-12-01T10:00:00.000Z',
        firstActionAt: '2026-12-01T10:45:00.000Z',
      },
      { signature: 'alert:ssofail:2', customers: 1, signals: 1, firstAt: '2026-12-02T10:00:00.000Z', firstActionAt: null },
    ],
    followUps: [
      { createdAt: '2026-12-01T00:00:00.000Z', overdue: false, problemId: 'p1' },
      { createdAt: '2026-11-10T00:00:00.000Z', overdue: true, problemId: null },
      { createdAt: '2026-06-01T00:00:00.000Z', overdue: true, problemId: 'p1' },
    ],
  });
  const table = (id: string) => report.tables.find((item) => item.id === id);

  it('per wizard: runs, shares by outcome and the median minutes to a verified fix', () => {
    expect(table('wizards')?.rows).toEqual([
      ['export-job-behind', 4, '50%', '0%', '50%', '0%', 20],
      ['sso-enforced-early', 2, '0%', '50%', '50%', '0%', null],
    ]);
  });

  it('per problem: customers hit, signals, recurrences, regressions, days open until the fix, runs of its workaround', () => {
    expect(table('problems')?.rows).toEqual([['Exports lag', 'fixed', 3, 4, 2, 1, 20, 4]]);
  });

  it('per signature: the time from the first signal to the first action', () => {
    expect(table('signatures')?.rows).toEqual([
      ['alert:exportjoblag:1', 2, 4, '2026-12-01T10:00:00.000Z', 45],
      ['alert:ssofail:2', 1, 1, '2026-12-02T10:00:00.000Z', null],
    ]);
  });

  it('escalations by the step where runs handed over, and open follow-ups by age', () => {
    expect(table('escalations')?.rows).toEqual([
      ['export-job-behind', 'restart-worker', 2],
      ['sso-enforced-early', 'idp-check', 1],
    ]);
    expect(table('follow_ups')?.rows).toEqual([
      ['under 7 days', 1, 0, 1],
      ['7 to 30 days', 1, 1, 0],
      ['30 to 90 days', 0, 0, 0],
      ['over 90 days', 1, 1, 1],
    ]);
  });

  it('median of even and odd counts, none for nothing', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('exports the whole report as Markdown and CSV', () => {
    const markdown = reportToMarkdown(report);
    expect(markdown).toContain('# Operations insights: the last 30 days');
    expect(markdown).toContain(
      '| Problem | Status | Customers hit | Signals | Recurrences | Regressions | Days open | Wizard runs |',
    );
    expect(markdown).toContain('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    expect(markdown).toContain('| Exports lag | fixed | 3 | 4 | 2 | 1 | 20 | 4 |');
    const csv = reportToCsv(report);
    expect(csv).toContain(
      'Known problems\r\nProblem,Status,Customers hit,Signals,Recurrences,Regressions,Days open,Wizard runs\r\nExports lag,fixed,3,4,2,1,20,4\r\n',
    );
    expect(csv).toContain('alert:ssofail:2,1,1,2026-12-02T10:00:00.000Z,\r\n');
  });
});

describe('CSV fields (RFC 4180) and formula injection', () => {
  it('quotes fields with commas, quotes, line breaks or edge spaces, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(' padded ')).toBe('" padded "');
    expect(csvField(null)).toBe('');
    expect(csvField(12.5)).toBe('12.5');
    expect(csvField(-3)).toBe('-3');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-cmd')).toBe("'-cmd");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
  });

  it('round-trips through a strict parser: every record has as many fields as the header', () => {
    const csv = tableToCsv({
      columns: ['a', 'b'],
      rows: [
        ['x,y', 'q"z'],
        ['line\nbreak', null],
      ],
    });
    expect(csv).toBe('a,b\r\n"x,y","q""z"\r\n"line\nbreak",\r\n');
    // A minimal RFC 4180 reader.
    const records: string[][] = [];
    let field = '';
    let record: string[] = [];
    let isQuoted = false;
    for (let index = 0; index < csv.length; index += 1) {
      const char = csv[index];
      if (isQuoted) {
        if (char === '"' && csv[index + 1] === '"') {
          field += '"';
          index += 1;
        } else if (char === '"') isQuoted = false;
        else field += char;
      } else if (char === '"') isQuoted = true;
      else if (char === ',') {
        record.push(field);
        field = '';
      } else if (char === '\r' && csv[index + 1] === '\n') {
        record.push(field);
        records.push(record);
        record = [];
        field = '';
        index += 1;
      } else field += char;
    }
    expect(records).toEqual([
      ['a', 'b'],
      ['x,y', 'q"z'],
      ['line\nbreak', ''],
    ]);
  });

  it('escapes pipes and line breaks in Markdown cells', () => {
    expect(tableToMarkdown({ columns: ['Signature'], rows: [['a|b\\c\nd'], [null]] })).toBe(
      '| Signature |\n| --- |\n| a\\|b\\\\c d |\n| — |',
    );
  });
});
