import type { Severity } from '../../../../shared/domain-values';
import {
  checkSourceDraft,
  DEFAULT_CUSTOMER_ATTRIBUTE,
  DEFAULT_CUSTOMER_LABELS,
  DEFAULT_CUSTOMERS_FROM,
  type DraftField,
  type GenericPreset,
  type SourceDraft,
  type SourceKind,
} from '../../../../shared/ingest-sources';

/*
 * The "Add a source" form as text fields, and the draft it makes (issue 10). The
 * draft is checked with the rules `sources:add` applies (shared/ingest-sources.ts),
 * so each problem shows under its field before anything is sent.
 */

export type SourceForm = {
  kind: SourceKind;
  id: string;
  name: string;
  /** Alertmanager: labels naming the customer, comma-separated. */
  customerLabels: string;
  /** CloudEvents: the attribute naming the customer. */
  customerAttribute: string;
  /** GitHub: where a deployment names its customers, comma-separated. */
  customersFrom: string;
  preset: GenericPreset;
  /** One alias a line: `acme-prod = acme`. */
  aliases: string;
  severity: Severity;
  feature: string;
};

export type FormProblem = { field: DraftField; message: string };

/** A fresh form: the kind's usual customer mapping already filled in. */
export function emptySourceForm(): SourceForm {
  return {
    kind: 'alertmanager',
    id: '',
    name: '',
    customerLabels: DEFAULT_CUSTOMER_LABELS.join(', '),
    customerAttribute: DEFAULT_CUSTOMER_ATTRIBUTE,
    customersFrom: DEFAULT_CUSTOMERS_FROM.join(', '),
    preset: 'ticket',
    aliases: '',
    severity: 'warning',
    feature: '',
  };
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** `alias = customer id` lines; a customer id has no `=`, so the last one splits. */
function aliasesOf(text: string): { aliases: { alias: string; customerId: string }[]; problems: FormProblem[] } {
  const aliases: { alias: string; customerId: string }[] = [];
  const problems: FormProblem[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const at = line.lastIndexOf('=');
    const alias = at < 0 ? '' : line.slice(0, at).trim();
    const customerId = at < 0 ? '' : line.slice(at + 1).trim();
    if (alias === '' || customerId === '') {
      problems.push({
        field: 'aliases',
        message: `Line ${index + 1}: write the name the producer uses, "=", then the customer id, such as acme-prod = acme.`,
      });
      return;
    }
    aliases.push({ alias, customerId });
  });
  return { aliases, problems };
}

/** The draft of a filled-in form, or the problems under each field. */
export function draftOfForm(form: SourceForm): { ok: true; draft: SourceDraft } | { ok: false; problems: FormProblem[] } {
  const { aliases, problems } = aliasesOf(form.aliases);
  const common = {
    id: form.id.trim(),
    ...(form.name.trim() === '' ? {} : { name: form.name.trim() }),
    aliases,
    defaults: { severity: form.severity, feature: form.feature.trim() === '' ? null : form.feature.trim() },
  };
  const mapping =
    form.kind === 'alertmanager'
      ? { customerLabels: list(form.customerLabels) }
      : form.kind === 'cloudevents'
        ? { customerAttribute: form.customerAttribute.trim() }
        : form.kind === 'github'
          ? { customersFrom: list(form.customersFrom) }
          : { preset: form.preset };
  const checked = checkSourceDraft({ ...common, kind: form.kind, ...mapping });
  // Lines that are not `alias = id` were left out of the draft: they are refused even if the rest passes.
  if (checked.ok && problems.length === 0) return checked;
  return { ok: false, problems: [...problems, ...(checked.ok ? [] : checked.problems)] };
}

/** The problems of one field, in order. */
export function problemsOf(problems: readonly FormProblem[], field: DraftField): string[] {
  return problems.filter((problem) => problem.field === field).map((problem) => problem.message);
}
