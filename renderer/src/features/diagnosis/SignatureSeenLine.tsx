import type { SignatureSeen } from '../../../../shared/ipc/diagnosis-views';
import { countOf } from '../../lib/plural';
import { formatDateTime, timeTitle } from '../../lib/time';

function At({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={timeTitle(iso)}>
      {formatDateTime(iso)}
    </time>
  );
}

/**
 * A signature's counters in words (issue 12): how many times it was seen and on
 * how many customers in the window, and when it was first and last seen in
 * everything synced — read from the cache, so offline too.
 */
export function SignatureSeenLine({ seen }: { seen: SignatureSeen }) {
  return (
    <p className="signature-seen" data-testid="signature-seen">
      <code title={seen.signature}>{seen.label}</code>: seen {countOf(seen.hits, 'time', 'times')} on{' '}
      {countOf(seen.customers, 'customer', 'customers')} from <At iso={seen.from} /> to <At iso={seen.to} />
      {seen.firstAt && seen.lastAt ? (
        <>
          ; first seen <At iso={seen.firstAt} />, last seen <At iso={seen.lastAt} />
        </>
      ) : (
        '; never seen in the synced history'
      )}
      .
    </p>
  );
}
