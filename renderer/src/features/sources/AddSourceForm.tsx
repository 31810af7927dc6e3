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
  type SourceSettings,
} from '../../../../shared/ingest-sources';
import type { ContractError } from '../../../../shared/ipc/result';
import type { NewCredential, SourceView } from '../../../../shared/ipc/source-views';
import type { Severity } from '../../../../shared/domain-values';
import { useDesk } from '../../api/DeskContext';
import { ErrorMessage } from '../../components/ErrorMessage';
import {
  draftOfForm,
  emptySourceForm,
  formOfSettings,
  problemsOf,
  settingsOfForm,
  type FormProblem,
  type SourceForm,
} from './source-form';

/** The order problems are focused in: the first field with one, top to bottom. */
const FIELD_ORDER: readonly DraftField[] = [
  'kind',
  'id',
  'name',
  'customer',
  'jsonata',
  'severityLabel',
  'severities',
  'featureLabel',
  'kinds',
  'defaultKind',
  'aliases',
  'severity',
  'feature',
];

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

/** A mapping rule's field: one line (input) or one a line (textarea, `rows`), bound to its form key. */
function RuleField({
  field,
  label,
  hint,
  rows,
  form,
  problems,
  set,
}: {
  field: RuleField;
  label: string;
  hint: string;
  rows?: number;
  form: SourceForm;
  problems: readonly FormProblem[];
  set: (key: RuleField, value: string) => void;
}) {
  return (
    <Field field={field} label={label} hint={hint} problems={problems}>
      {(props) =>
        rows === undefined ? (
          <input {...props} value={form[field]} spellCheck={false} onChange={(event) => set(field, event.target.value)} />
        ) : (
          <textarea
            {...props}
            rows={rows}
            value={form[field]}
            spellCheck={false}
            onChange={(event) => set(field, event.target.value)}
          />
        )
      }
    </Field>
  );
}
type RuleField = 'severityLabel' | 'severities' | 'featureLabel' | 'kinds' | 'defaultKind' | 'jsonata';

/** The mapping-rule fields of the kinds whose rules are plain fields, in the order the form shows them. */
const KIND_RULES: Record<
  'alertmanager' | 'cloudevents',
  readonly { field: RuleField; label: string; hint: string; rows?: number }[]
> = {
  alertmanager: [
    { field: 'severityLabel', label: 'Label with the severity', hint: 'The alert label whose value is mapped below.' },
    {
      field: 'severities',
      label: 'Severity of each label value',
      hint: 'One a line: the label’s value = critical, error, warning, notice or info, such as p1 = critical. Other values get the default severity.',
      rows: 4,
    },
    {
      field: 'featureLabel',
      label: 'Label with the feature',
      hint: 'The alert label naming the feature it concerns, such as feature or component.',
    },
  ],
  cloudevents: [
    {
      field: 'kinds',
      label: 'Event kind of each type (optional)',
      hint: 'One a line: the CloudEvents type = an event kind, such as com.example.deploy = deploy; a type ending in * matches every type it starts.',
      rows: 3,
    },
    {
      field: 'defaultKind',
      label: 'Event kind of other types',
      hint: 'For types not listed above, such as signal or incident.',
    },
  ],
};

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
 * "Add a source" (kind, id, how payloads name customers, the kind's mapping
 * rules, aliases and defaults), or with `editing` the change of a source's
 * settings (its id, kind and aliases stay). Problems are shown under their field
 * (checked here by the rules the desk core and the server apply, then by the
 * server); the first one gets the focus.
 */
export function AddSourceForm({
  onCreated,
  onCancel,
  editing,
  onUpdated,
}: {
  onCreated?: (source: SourceView, credential: NewCredential) => void;
  onCancel: () => void;
  /** The source being changed, with the settings the form starts from. */
  editing?: { source: SourceView; settings: SourceSettings };
  onUpdated?: (source: SourceView) => void;
}) {
  const desk = useDesk();
  const titleId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [form, setForm] = useState<SourceForm>(() => (editing ? formOfSettings(editing.settings) : emptySourceForm()));
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

  // Changing a source starts in its name (its kind and id stay).
  useEffect(() => {
    if (editing) formRef.current?.querySelector<HTMLElement>('[data-field="name"] input')?.focus();
    // Once, when the form opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

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
    if (editing) {
      const checked = settingsOfForm(form);
      if (!checked.ok) return refuse(checked.problems);
      setSaving(true);
      const result = await desk.sources.update(checked.draft);
      setSaving(false);
      if (!result.ok) {
        setProblems([]);
        return setError(result.error);
      }
      if (result.value.status === 'refused') return refuse(result.value.problems);
      setProblems([]);
      return onUpdated?.(result.value.source);
    }
    const checked = draftOfForm(form);
    if (!checked.ok) return refuse(checked.problems);
    setSaving(true);
    const result = await desk.sources.add(checked.draft);
    setSaving(false);
    if (!result.ok) {
      setProblems([]);
      return setError(result.error);
    }
    if (result.value.status === 'refused') return refuse(result.value.problems);
    setProblems([]);
    onCreated?.(result.value.source, result.value.credential);
  };
  const what = editing ? 'The change was not saved' : 'The source was not added';

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
      {/* Changing sits inside the source's card, under its h2. */}
      {editing ? <h3 id={titleId}>Change source {editing.source.id}</h3> : <h2 id={titleId}>Add a source</h2>}
      {formProblems.length > 0 ? (
        <div className="error-box compact source-form-problems" role="alert" tabIndex={-1}>
          <p className="error-title">{editing ? 'The server refused the change' : 'The server refused the source'}</p>
          {formProblems.map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      ) : null}
      {problems.length > 0 && formProblems.length === 0 ? (
        <p role="alert" className="field-error">
          {what}: fix the {problems.length === 1 ? 'field' : 'fields'} marked below.
        </p>
      ) : null}
      <div className="source-form-grid">
        <Field field="kind" label="Kind" problems={problems}>
          {(props) => (
            <select
              {...props}
              value={form.kind}
              disabled={editing !== undefined}
              onChange={(event) => set('kind', event.target.value as SourceKind)}
            >
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
          hint={
            editing
              ? 'Part of the producer’s URL: it stays. To change it or the kind, add a new source.'
              : 'Part of the producer’s URL and the source of its events: lower-case letters, digits and -, such as prod-alertmanager.'
          }
          problems={problems}
        >
          {(props) => (
            <input
              {...props}
              value={form.id}
              readOnly={editing !== undefined}
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
          <>
            <Field
              field="customer"
              label="Mapping"
              hint="A ready mapping reads the tool’s own webhook payload, customer included; or write your own in JSONata."
              problems={problems}
            >
              {(props) => (
                <select
                  {...props}
                  value={form.mappingChoice === 'jsonata' ? 'jsonata' : form.preset}
                  onChange={(event) => {
                    const value = event.target.value;
                    if (value === 'jsonata') set('mappingChoice', 'jsonata');
                    else setForm((before) => ({ ...before, mappingChoice: 'preset', preset: value as GenericPreset }));
                  }}
                >
                  {GENERIC_PRESETS.map((preset) => (
                    <option key={preset} value={preset}>
                      {GENERIC_PRESET_LABELS[preset]}
                    </option>
                  ))}
                  <option value="jsonata">My own JSONata expression</option>
                </select>
              )}
            </Field>
            {form.mappingChoice === 'jsonata' ? (
              <RuleField
                field="jsonata"
                label="JSONata expression"
                hint="Turns the body into one event or a list: key, customer, kind, summary (and severity, feature, thread, status…), as in docs/ingest/generic.md."
                rows={5}
                form={form}
                problems={problems}
                set={set}
              />
            ) : null}
          </>
        )}
        {form.kind === 'alertmanager' || form.kind === 'cloudevents'
          ? KIND_RULES[form.kind].map((rule) => (
              <RuleField key={rule.field} {...rule} form={form} problems={problems} set={set} />
            ))
          : null}
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
        {editing ? null : (
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
        )}
      </div>
      {editing ? (
        <p className="muted">
          Its aliases and its {editing.source.credential === 'hmac' ? 'secret' : 'token'} stay as they are; map the names of
          unmatched items below the source.
        </p>
      ) : null}
      {error ? <ErrorMessage compact title={what} error={error} /> : null}
      <div className="button-row">
        <button type="submit" className="primary" disabled={isSaving}>
          {editing ? (isSaving ? 'Saving…' : 'Save changes') : isSaving ? 'Adding…' : 'Add source'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
