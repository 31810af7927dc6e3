import { useCallback, useState } from 'react';
import type { InsightTable } from '../../../../shared/insights';
import { reportToCsv, reportToMarkdown } from '../../../../shared/insights-export';
import { useDesk } from '../../api/DeskContext';
import { useCacheRefresh } from '../../app/useCacheRefresh';
import { ErrorMessage } from '../../components/ErrorMessage';
import { downloadText } from '../../lib/download';
import { formatDateTime } from '../../lib/time';
import { useDeskAnswer } from '../diagnosis/useDeskAnswer';
import './insights.css';

const PERIODS = [7, 30, 90] as const;

function Table({ table }: { table: InsightTable }) {
  const headingId = `insights-${table.id}`;
  return (
    <section aria-labelledby={headingId} className="insights-section">
      <h2 id={headingId}>{table.title}</h2>
      <p className="muted">{table.caption}</p>
      {table.rows.length === 0 ? (
        <p className="muted">Nothing in this period.</p>
      ) : (
        // Wide tables scroll inside their own focusable region at 1024 px instead of widening the page.
        <div className="insights-scroll" role="region" aria-label={`${table.title} table`} tabIndex={0}>
          <table className="insights-table" aria-labelledby={headingId}>
            <thead>
              <tr>
                {table.columns.map((column) => (
                  <th key={column} scope="col">
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row, index) => (
                <tr key={index}>
                  {row.map((cell, column) => {
                    const text =
                      cell === null
                        ? '—'
                        : table.columns[column] === 'First signal'
                          ? formatDateTime(String(cell))
                          : String(cell);
                    return column === 0 ? (
                      <th key={column} scope="row">
                        {text}
                      </th>
                    ) : (
                      <td key={column} className={typeof cell === 'number' ? 'number' : undefined}>
                        {text}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * Insights (issue 12): what operations teaches the product team, over a
 * chosen period, from the local cache (offline too): wizards, known problems,
 * top signatures, escalations, open follow-ups by age; exported as CSV or
 * Markdown for the people who build the features.
 */
export function InsightsView() {
  const desk = useDesk();
  const [days, setDays] = useState<number>(30);
  const [reads, setReads] = useState(0);
  useCacheRefresh(
    useCallback(() => true, []),
    useCallback(() => setReads((count) => count + 1), []),
  );
  const { value: report, error, retry } = useDeskAnswer(`${days}:${reads}`, () => desk.insights.get({ days }));
  const stamp = report ? `${report.days}d-${report.until.slice(0, 10)}` : '';

  return (
    <section aria-labelledby="page-title" className="page insights-page">
      <div className="page-heading">
        <h1 id="page-title">Insights</h1>
        <p className="muted" aria-live="polite">
          {report
            ? `The last ${report.days} days, from the local cache (${report.since.slice(0, 10)} to ${report.until.slice(0, 10)})`
            : 'Reading the local cache…'}
        </p>
      </div>
      <div className="insights-toolbar" role="group" aria-label="Period and export">
        <label className="field">
          <span>Period</span>
          <select value={days} onChange={(event) => setDays(Number(event.target.value))}>
            {PERIODS.map((period) => (
              <option key={period} value={period}>
                Last {period} days
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          disabled={!report}
          onClick={() => report && downloadText(`lightkeeper-insights-${stamp}.csv`, reportToCsv(report), 'text/csv')}
        >
          Export CSV
        </button>
        <button
          type="button"
          disabled={!report}
          onClick={() => report && downloadText(`lightkeeper-insights-${stamp}.md`, reportToMarkdown(report), 'text/markdown')}
        >
          Export Markdown
        </button>
      </div>
      {error ? <ErrorMessage title="The insights could not be read" error={error} onRetry={retry} /> : null}
      {report?.tables.map((table) => (
        <Table key={table.id} table={table} />
      ))}
    </section>
  );
}
