import type { Json } from '../../../../shared/json';
import { flattenValue, scalarText } from './run-model';
import { countOf } from '../../lib/plural';

function FoldedValue({ value }: { value: Json }) {
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">none</span>;
    const isScalars = value.every((item) => item === null || typeof item !== 'object');
    if (isScalars) return <code>{value.map(scalarText).join(', ')}</code>;
  }
  const count = Array.isArray(value) ? value.length : value !== null && typeof value === 'object' ? Object.keys(value).length : 0;
  return (
    <details className="value-list">
      <summary>{Array.isArray(value) ? countOf(count, 'item', 'items') : countOf(count, 'field', 'fields')}</summary>
      <pre className="value-block">{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

/** A result as a compact key/value table: nested fields as dotted keys, lists folded. Never HTML from the data. */
export function ValueTable({ value, label }: { value: Json; label: string }) {
  const rows = flattenValue(value);
  if (rows.length === 0) return <p className="muted">Empty result.</p>;
  return (
    <table className="value-table" aria-label={label}>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key}>
            <th scope="row">{row.key}</th>
            <td>{row.isFolded ? <FoldedValue value={row.value} /> : <code>{scalarText(row.value)}</code>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
