import { useId, useRef, useState, type FormEvent } from 'react';
import type { ContractError } from '../../../../shared/ipc/result';
import type { Json } from '../../../../shared/json';
import type { InputField } from '../../../../shared/wizards/format';
import { ErrorMessage } from '../../components/ErrorMessage';
import { SafeMarkdown } from '../../components/SafeMarkdown';
import { fieldProblem, rawFromValue, valueFromRaw, type RawValue } from './run-model';

/** Choices with at most this many options are radio buttons; more become a list box. */
const MAX_RADIO_OPTIONS = 6;

function Field({
  field,
  raw,
  problem,
  formId,
  onChange,
}: {
  field: InputField;
  raw: RawValue;
  problem: string | null;
  formId: string;
  onChange: (raw: RawValue) => void;
}) {
  const id = `${formId}-${field.id}`;
  const helpId = field.help ? `${id}-help` : undefined;
  const errorId = problem ? `${id}-error` : undefined;
  const describedBy = [helpId, errorId].filter(Boolean).join(' ') || undefined;
  const requirement = field.required ? null : <span className="muted"> (optional)</span>;
  const help = field.help ? (
    <div id={helpId} className="field-help">
      <SafeMarkdown source={field.help} />
    </div>
  ) : null;
  const error = problem ? (
    <p id={errorId} className="field-error">
      {problem}
    </p>
  ) : null;

  if (field.type === 'boolean' || (field.type === 'choice' && field.options.length <= MAX_RADIO_OPTIONS)) {
    const options =
      field.type === 'boolean'
        ? [
            { value: 'true', label: 'Yes' },
            { value: 'false', label: 'No' },
          ]
        : field.options.map((option) => ({ value: option, label: option }));
    return (
      <fieldset
        className="run-field"
        aria-describedby={describedBy}
        aria-invalid={problem ? true : undefined}
        data-field={field.id}
      >
        <legend>
          {field.label}
          {requirement}
        </legend>
        {help}
        <div className="run-options">
          {options.map((option) => (
            <label key={option.value} className="check">
              <input
                type="radio"
                name={id}
                value={option.value}
                checked={raw === option.value}
                onChange={() => onChange(option.value)}
              />
              {option.label}
            </label>
          ))}
        </div>
        {error}
      </fieldset>
    );
  }

  const common = {
    id,
    'aria-invalid': problem ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': field.required,
    'data-field': field.id,
  };
  return (
    <div className="run-field">
      <label htmlFor={id}>
        {field.label}
        {requirement}
      </label>
      {help}
      {field.type === 'text' ? (
        <textarea {...common} rows={3} value={raw} onChange={(event) => onChange(event.target.value)} />
      ) : field.type === 'choice' ? (
        <select {...common} value={raw} onChange={(event) => onChange(event.target.value)}>
          <option value="">Choose…</option>
          {field.options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      ) : field.type === 'number' ? (
        <input
          {...common}
          type="number"
          step={field.integer ? 1 : 'any'}
          value={raw}
          onChange={(event) => onChange(event.target.value)}
        />
      ) : (
        <input
          {...common}
          type="text"
          spellCheck={field.type === 'string'}
          autoComplete="off"
          value={raw}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
      {error}
    </div>
  );
}

/**
 * A typed form for wizard inputs and input steps: each field validated as the
 * engine will validate it, the problems shown at the fields, focus on the
 * first one. The desk's own refusal, if any, is shown under the form.
 */
export function InputForm({
  fields,
  values,
  submitLabel,
  onSubmit,
  onCancel,
  label,
}: {
  fields: readonly InputField[];
  values: Record<string, Json>;
  submitLabel: string;
  onSubmit: (values: Record<string, Json>) => Promise<ContractError | null>;
  onCancel?: () => void;
  label: string;
}) {
  const formId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [raw, setRaw] = useState<Record<string, RawValue>>(() =>
    Object.fromEntries(fields.map((field) => [field.id, rawFromValue(field, values[field.id])])),
  );
  const [isChecked, setChecked] = useState(false);
  const [isSending, setSending] = useState(false);
  const [refusal, setRefusal] = useState<ContractError | null>(null);

  const problems = Object.fromEntries(fields.map((field) => [field.id, fieldProblem(field, raw[field.id] ?? '')]));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setChecked(true);
    const first = fields.find((field) => problems[field.id]);
    if (first) {
      formRef.current?.querySelector<HTMLElement>(`[data-field="${first.id}"]`)?.focus();
      const radio = formRef.current?.querySelector<HTMLElement>(`[data-field="${first.id}"] input`);
      if (radio) radio.focus();
      return;
    }
    setSending(true);
    const error = await onSubmit(Object.fromEntries(fields.map((field) => [field.id, valueFromRaw(field, raw[field.id] ?? '')])));
    setSending(false);
    setRefusal(error);
  };

  const problemCount = fields.filter((field) => problems[field.id]).length;
  return (
    <form ref={formRef} className="run-form" aria-label={label} noValidate onSubmit={(event) => void submit(event)}>
      {fields.map((field) => (
        <Field
          key={field.id}
          field={field}
          raw={raw[field.id] ?? ''}
          problem={isChecked ? (problems[field.id] ?? null) : null}
          formId={formId}
          onChange={(next) => setRaw((current) => ({ ...current, [field.id]: next }))}
        />
      ))}
      {isChecked && problemCount > 0 ? (
        <p className="field-error" role="alert">
          {problemCount === 1 ? 'One answer needs attention.' : `${problemCount} answers need attention.`}
        </p>
      ) : null}
      <div className="run-actions">
        <button type="submit" className="primary" data-primary="true" disabled={isSending}>
          {isSending ? 'Sending…' : submitLabel}
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel}>
            Cancel editing
          </button>
        ) : null}
      </div>
      {refusal ? <ErrorMessage compact title="The desk did not accept these answers" error={refusal} /> : null}
    </form>
  );
}
