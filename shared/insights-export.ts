import type { InsightCell, InsightsReport, InsightTable } from './insights';

/*
 * Exports of the Insights tables (issue 12). CSV follows RFC 4180: fields with
 * a comma, a double quote, CR or LF (or leading/trailing spaces) are quoted,
 * quotes doubled, records end in CRLF. Text that a spreadsheet would run as a
 * formula (starting with =, +, -, @, tab or CR) is prefixed with an apostrophe
 * (OWASP's CSV injection advice); numbers are written as numbers.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field. */
export function csvField(value: InsightCell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A table as CSV: a header record, then one record per row. */
export function tableToCsv(table: Pick<InsightTable, 'columns' | 'rows'>): string {
  return [table.columns, ...table.rows].map((record) => record.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** One Markdown table cell: pipes and backslashes escaped, line breaks as spaces, empty as a dash. */
export function markdownCell(value: InsightCell): string {
  if (value === null || value === '') return '—';
  return String(value)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, ' ');
}

/** A table in GitHub-flavoured Markdown; numbers right-aligned. */
export function tableToMarkdown(table: Pick<InsightTable, 'columns' | 'rows'>): string {
  const isNumeric = table.columns.map(
    (_, index) => table.rows.length > 0 && table.rows.every((row) => row[index] === null || typeof row[index] === 'number'),
  );
  const lines = [
    `| ${table.columns.map(markdownCell).join(' | ')} |`,
    `| ${isNumeric.map((numeric) => (numeric ? '---:' : '---')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(markdownCell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** The whole report as one Markdown document: a heading per table, its caption, the table. */
export function reportToMarkdown(report: InsightsReport): string {
  const sections = report.tables.map(
    (table) =>
      `## ${table.title}\n\n${table.caption}\n\n${table.rows.length === 0 ? '_Nothing in this period._' : tableToMarkdown(table)}`,
  );
  return `# Operations insights: the last ${report.days} days\n\n${report.since.slice(0, 10)} to ${report.until.slice(0, 10)}\n\n${sections.join('\n\n')}\n`;
}

/** The whole report as CSV: one block per table, each headed by a record naming it, separated by an empty record. */
export function reportToCsv(report: InsightsReport): string {
  return report.tables.map((table) => `${csvField(table.title)}\r\n${tableToCsv(table)}`).join('\r\n');
}
