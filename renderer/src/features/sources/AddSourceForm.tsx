import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { SEVERITIES } from '../../../../shared/domain-values';
import {
  GENERIC_PRESET_LABELS,
  GENERIC_PRESETS,
  SOURCE_KIND_LABELS,
  SOURCE_KINDS,
  type DraftField,
  type GenericPreset,
  type SourceKind,
} from '../../../../shared/ingest-sources';
import type { ContractError } from '../../../../shared/ipc/result';
import type { NewCredential, SourceView } from '../../../../shared/ipc/source-views';
import type { Severity } from '../../../../shared/domain-values';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import { draftOfForm, emptySourceForm, problemsOf, type FormProblem, type SourceForm } from './source-form';

/** The order problems are focused in: the first field with one, top to bottom. */
const FIELD_ORDER: readonly DraftField[] = ['kind', 'id', 'name', 'customer', 'aliases', 'severity', 'feature'];

/** A labelled control with its hint and its problems, tied together for assistive technology. */
function Field({
  field,
  label,
  hint,
  problems,
  children,
}: {
  field: DraftField;
  label: string;
  hint?: string;
  problems: readonly FormProblem[];
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined }) => ReactNode;
}) {
  const id = useId();
  const messages = problemsOf(problems, field);
  const described = [hint ? `${id}-hint` : null, messages.length > 0 ? `${id}-problems` : null].filter(Boolean).join(' ');
  return (
    <div className="source-field" data-field={field}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': messages.length > 0, 'aria-describedby': described || undefined })}
      {hint ? (
        <span id={`${id}-hint`} className="muted source-field-hint">
          {hint}
        </span>
      ) : null}
      {messages.length > 0 ? (
        <ul id={`${id}-problems`} className="field-error">
          {messages.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The customer-mapping field of each kind: its label and hint. */
const MAPPING_WORDS: Record<Exclude<SourceKind, 'generic'>, { key: keyof SourceForm; label: string; hint: string }> = {
  alertmanager: {
    key: 'customerLabels',
    label: 'Labels that name the customer',
    hint: 'Comma-separated, tried in order on each alert’s labels, then on the group’s common labels.',
  },
  cloudevents: {
    key: 'customerAttribute',
    label: 'Attribute that names the customer',
    hint: 'A CloudEvents context attribute or extension, such as subject or tenantid.',
  },
  github: {
    key: 'customersFrom',
    label: 'Where a deployment names its customers',
    hint: 'Comma-separated, tried in order: payload.<key> (a list or one id), environment, repository.',
  },
};

/**
 * "Add a source": kind, id, how payloads name customers, aliases and defaults.
 * Problems are shown under their field (checked here by the rules the desk core
 * and the server apply, then by the server); the first one gets the focus.
 */
export function AddSourceForm({
  onCreated,
  onCancel,
}: {
  onCreated: (source: SourceView, credential: NewCredential) => void;
  onCancel: () => void;
}) {
  const desk = useDesk();
  const titleId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [form, setForm] = useState<SourceForm>(emptySourceForm);
  const [problems, setProblems] = useState<FormProblem[]>([]);
  const [error, setError] = useState<ContractError | null>(null);
  const [isSaving, setSaving] = useState(false);
  // Bumped on each refusal so the same first field takes the focus again.
  const [refusals, setRefusals] = useState(0);
  const set = <K extends keyof SourceForm>(key: K, value: SourceForm[K]) => setForm((before) => ({ ...before, [key]: value }));

  const refuse = (found: FormProblem[]) => {
    setProblems(found);
    setRefusals((count) => count + 1);
  };

  // After the render that shows them: the first field in trouble takes the focus, its problems read as its description.
  useEffect(() => {
    if (refusals === 0) return;
    const first = FIELD_ORDER.find((field) => problems.some((problem) => problem.field === field));
    const target = first
      ? formRef.current?.querySelector(`[data-field="${first}"]`)?.querySelector<HTMLElement>('input, select, textarea')
      : formRef.current?.querySelector<HTMLElement>('.source-form-problems');
    target?.focus();
    // Only a new refusal moves the focus, not typing into a field that still shows its problem.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [refusals]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const checked = draftOfForm(form);
    if (!checked.ok) {
      refuse(checked.problems);
      return;
    }
    setSaving(true);
    const result = await desk.sources.add(checked.draft);
    setSaving(false);
    if (!result.ok) {
      setProblems([]);
      setError(result.error);
      return;
    }
    if (result.value.status === 'refused') {
      refuse(result.value.problems);
      return;
    }
    setProblems([]);
    onCreated(result.value.source, result.value.credential);
  };

  const formProblems = problemsOf(problems, 'form');
  const mapping = form.kind === 'generic' ? null : MAPPING_WORDS[form.kind];

  return (
    <form
      ref={formRef}
      className="source-form panel"
      aria-labelledby={titleId}
      noValidate
      onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onCancel();
        }
      }}
    >
      <h2 id={titleId}>Add a source</h2>
      {formProblems.length > 0 ? (
        <div className="error-box compact source-form-problems" role="alert" tabIndex={-1}>
          <p className="error-title">The server refused the source</p>
          {formProblems.map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      ) : null}
      {problems.length > 0 && formProblems.length === 0 ? (
        <p role="alert" className="field-error">
          The source was not added: fix the {problems.length === 1 ? 'field' : 'fields'} marked below.
        </p>
      ) : null}
      <div className="source-form-grid">
        <Field field="kind" label="Kind" problems={problems}>
          {(props) => (
            <select {...props} value={form.kind} onChange={(event) => set('kind', event.target.value as SourceKind)}>
              {SOURCE_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {SOURCE_KIND_LABELS[kind]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          field="id"
          label="Source id"
          hint="Part of the producer’s URL and the source of its events: lower-case letters, digits and -, such as prod-alertmanager."
          problems={problems}
        >
          {(props) => (
            <input
              {...props}
              value={form.id}
              maxLength={48}
              spellCheck={false}
              autoComplete="off"
              onChange={(event) => set('id', event.target.value)}
            />
          )}
        </Field>
        <Field field="name" label="Name (optional)" hint="How the page names it; the id when empty." problems={problems}>
          {(props) => (
            <input {...props} value={form.name} maxLength={200} onChange={(event) => set('name', event.target.value)} />
          )}
        </Field>
        {mapping ? (
          <Field field="customer" label={mapping.label} hint={mapping.hint} problems={problems}>
            {(props) => (
              <input
                {...props}
                value={form[mapping.key]}
                spellCheck={false}
                onChange={(event) => set(mapping.key, event.target.value)}
              />
            )}
          </Field>
        ) : (
          <Field
            field="customer"
            label="Ready mapping"
            hint="Reads the tool’s own webhook payload, customer included."
            problems={problems}
          >
            {(props) => (
              <select {...props} value={form.preset} onChange={(event) => set('preset', event.target.value as GenericPreset)}>
                {GENERIC_PRESETS.map((preset) => (
                  <option key={preset} value={preset}>
                    {GENERIC_PRESET_LABELS[preset]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field
          field="severity"
          label="Default severity"
          hint="For payloads that carry none this source can read."
          problems={problems}
        >
          {(props) => (
            <select {...props} value={form.severity} onChange={(event) => set('severity', event.target.value as Severity)}>
              {SEVERITIES.map((severity) => (
                <option key={severity} value={severity}>
                  {severity}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          field="feature"
          label="Default feature (optional)"
          hint="The feature its events concern when they name none, such as sso."
          problems={problems}
        >
          {(props) => (
            <input
              {...props}
              value={form.feature}
              maxLength={64}
              spellCheck={false}
              onChange={(event) => set('feature', event.target.value)}
            />
          )}
        </Field>
        <Field
          field="aliases"
          label="Aliases (optional)"
          hint="One a line: the name the producer uses = the customer id, such as acme-prod = acme."
          problems={problems}
        >
          {(props) => (
            <textarea
              {...props}
              rows={3}
              value={form.aliases}
              spellCheck={false}
              onChange={(event) => set('aliases', event.target.value)}
            />
          )}
        </Field>
      </div>
      {error ? <ErrorMessage compact title="The source was not added" error={error} /> : null}
      <div className="button-row">
        <button type="submit" className="primary" disabled={isSaving}>
          {isSaving ? 'Adding…' : 'Add source'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
