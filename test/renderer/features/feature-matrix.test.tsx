import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CustomerFeature } from '../../../shared/domain';
import { FeatureMatrix } from '../../../renderer/src/features/customer/FeatureMatrix';

const FEATURES: CustomerFeature[] = [
  {
    customerId: 'arbor-labs',
    feature: 'billing_sync',
    entitled: true,
    enabled: true,
    health: 'degraded',
    lastSignalAt: '2026-12-01T05:44:15.000Z',
  },
  { customerId: 'arbor-labs', feature: 'sso', entitled: true, enabled: false, health: 'ok', lastSignalAt: null },
];

/** jsdom lays nothing out: make every element report the widths a table wider than its box has. */
function pretendWidths(scrollWidth: number, clientWidth: number) {
  Object.defineProperty(HTMLElement.prototype, 'scrollWidth', { configurable: true, get: () => scrollWidth });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => clientWidth });
}

afterEach(() => {
  delete (HTMLElement.prototype as { scrollWidth?: number }).scrollWidth;
  delete (HTMLElement.prototype as { clientWidth?: number }).clientWidth;
});

describe('the features table (#15, item 7)', () => {
  it('shows the last signal of every feature in words, and none where there was none', () => {
    render(<FeatureMatrix features={FEATURES} />);
    const table = screen.getByRole('table', { name: 'Features' });
    expect(table).toHaveTextContent('Last signal');
    expect(screen.getByRole('row', { name: /sso/ })).toHaveTextContent('none');
  });

  it('is a named, focusable region when it scrolls sideways, so the keyboard can scroll it', () => {
    pretendWidths(600, 240);
    render(<FeatureMatrix features={FEATURES} />);
    const region = screen.getByRole('region', { name: 'Features table' });
    expect(region).toHaveAttribute('tabindex', '0');
    expect(region).toContainElement(screen.getByRole('table', { name: 'Features' }));
  });

  it('adds no tab stop while the table fits', () => {
    pretendWidths(240, 240);
    render(<FeatureMatrix features={FEATURES} />);
    expect(screen.getByRole('table', { name: 'Features' }).parentElement).not.toHaveAttribute('tabindex');
  });
});
