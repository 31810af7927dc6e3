import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SafeMarkdown } from '../../../renderer/src/components/SafeMarkdown';

/** An alert description with a table (#15: it showed as its literal source). */
const ALERT_BODY = [
  'Billing sync error rate crossed the threshold.',
  '',
  '| feature | error rate | threshold |',
  '| --- | ---: | ---: |',
  '| billing_sync | 38% | 5% |',
  '| webhooks | 2% | 5% |',
  '',
  '~~ignored~~ and <script>alert(1)</script> stay harmless.',
].join('\n');

describe('SafeMarkdown', () => {
  it('renders a markdown table as a table with header cells, not as its source', () => {
    render(<SafeMarkdown source={ALERT_BODY} />);
    const table = screen.getByRole('table');
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((cell) => cell.textContent),
    ).toEqual(['feature', 'error rate', 'threshold']);
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(within(table).getByRole('cell', { name: 'billing_sync' })).toBeInTheDocument();
    expect(screen.queryByText(/\| --- \|/)).not.toBeInTheDocument();
    // Strikethrough is GFM too; raw HTML is still text, never markup.
    expect(screen.getByText('ignored').tagName).toBe('DEL');
    expect(document.querySelector('script')).toBeNull();
  });
});
