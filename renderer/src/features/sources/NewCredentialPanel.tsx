import { useEffect, useId, useRef, useState } from 'react';
import { producerSetup, type SourceKind } from '../../../../shared/ingest-sources';
import type { NewCredential } from '../../../../shared/ipc/source-views';
import { copyText } from '../../components/CopyLink';

/**
 * A value in a read-only field with its copy button. The button's name says what
 * is copied ("Copy the producer URL"), never the value: a secret is not read out.
 */
export function CopyValue({
  label,
  what,
  value,
  isMultiline = false,
}: {
  label: string;
  /** What the button copies, in a sentence: "the producer URL". */
  what: string;
  value: string;
  isMultiline?: boolean;
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'refused'>('idle');
  const fieldId = useId();
  const fieldRef = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const field = {
    ref: fieldRef,
    id: fieldId,
    readOnly: true,
    spellCheck: false,
    value,
    onFocus: (event: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => event.currentTarget.select(),
  };
  return (
    <div className="copy-value">
      <label htmlFor={fieldId}>{label}</label>
      <div className="copy-value-row">
        {isMultiline ? <textarea {...field} rows={value.split('\n').length} /> : <input {...field} />}
        <button
          type="button"
          aria-label={`Copy ${what}`}
          onClick={async () => {
            const isCopied = await copyText(value);
            setState(isCopied ? 'copied' : 'refused');
            // Refused clipboard: the value is selected, ready for Ctrl+C.
            if (!isCopied) fieldRef.current?.select();
          }}
        >
          Copy
        </button>
      </div>
      <span role="status" className="copy-value-status">
        {state === 'copied'
          ? `Copied ${what}.`
          : state === 'refused'
            ? 'The clipboard is not available: the field is selected, press Ctrl C.'
            : ''}
      </span>
    </div>
  );
}

/**
 * A credential just made (added or rotated): the full URL and, for GitHub, the
 * secret, shown this once with copy buttons and what to paste where. The desk
 * keeps neither; closing the panel forgets them.
 */
export function NewCredentialPanel({
  sourceId,
  kind,
  credential,
  wasRotated,
  onDone,
}: {
  sourceId: string;
  kind: SourceKind;
  credential: NewCredential;
  wasRotated: boolean;
  onDone: () => void;
}) {
  const titleId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const setup = producerSetup(kind, credential.url, credential.kind === 'hmac' ? credential.value : null);
  useEffect(() => {
    headingRef.current?.focus();
  }, []);
  return (
    <section className="new-credential" aria-labelledby={titleId}>
      <h3 id={titleId} ref={headingRef} tabIndex={-1}>
        {wasRotated ? `New ${credential.kind === 'hmac' ? 'secret' : 'URL'} for ${sourceId}` : `Source ${sourceId} is ready`}
      </h3>
      <p className="once-warning">
        <strong>Copy it now: you will not see this again.</strong>{' '}
        {credential.kind === 'hmac'
          ? 'The server keeps the secret only to check signatures and never shows it again; if it is lost, rotate it.'
          : 'The server keeps only a fingerprint of the token in this URL; if it is lost, rotate it.'}
        {wasRotated ? ' The previous one stopped working just now.' : ''}
      </p>
      <CopyValue label="Producer URL" what="the producer URL" value={credential.url} />
      {credential.kind === 'hmac' ? <CopyValue label="Secret" what="the secret" value={credential.value} /> : null}
      <h4>Point the producer at it</h4>
      <ol>
        {setup.steps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ol>
      {setup.snippet ? <CopyValue label="Configuration" what="the configuration" value={setup.snippet} isMultiline /> : null}
      <button type="button" className="primary" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}
