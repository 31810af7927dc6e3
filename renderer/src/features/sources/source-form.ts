import type { Severity } from '../../../../shared/domain-values';
import {
  checkSourceDraft,
  checkSourceSettings,
  DEFAULT_CUSTOMER_ATTRIBUTE,
  DEFAULT_CUSTOMER_LABELS,
  DEFAULT_CUSTOMERS_FROM,
  DEFAULT_EVENT_KIND,
  DEFAULT_FEATURE_LABEL,
  DEFAULT_SEVERITIES,
  DEFAULT_SEVERITY_LABEL,
  type DraftField,
  type GenericPreset,
  type SourceDraft,
  type SourceKind,
  type SourceSettings,
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
  /** Alertmanager: the labels read for severity and feature, and `label value = severity` lines. */
  severityLabel: string;
  severities: string;
  featureLabel: string;
  /** CloudEvents: `type = kind` lines (a type ending in * matches a prefix), and the kind of other types. */
  kinds: string;
  defaultKind: string;
  /** The generic webhook: a ready mapping, or the admin's own JSONata expression. */
  mappingChoice: 'preset' | 'jsonata';
  jsonata: string;
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
    severityLabel: DEFAULT_SEVERITY_LABEL,
    severities: linesOfMap(DEFAULT_SEVERITIES),
    featureLabel: DEFAULT_FEATURE_LABEL,
    kinds: '',
    defaultKind: DEFAULT_EVENT_KIND,
    mappingChoice: 'preset',
    jsonata: '',
  };
}

function linesOfMap(map: Readonly<Record<string, string>>): string {
  return Object.entries(map)
    .map(([key, value]) => `${key} = ${value}`)
    .join('\n');
}

/** The form of a source's settings as the server keeps them (the change form starts from them). */
export function formOfSettings(settings: SourceSettings): SourceForm {
  const form = { ...emptySourceForm(), kind: settings.kind, id: settings.id, name: settings.name ?? '' };
  form.severity = settings.defaults.severity;
  form.feature = settings.defaults.feature ?? '';
  switch (settings.kind) {
    case 'alertmanager':
      return {
        ...form,
        customerLabels: settings.customerLabels.join(', '),
        severityLabel: settings.severityLabel ?? form.severityLabel,
        severities: settings.severities ? linesOfMap(settings.severities) : form.severities,
        featureLabel: settings.featureLabel ?? form.featureLabel,
      };
    case 'cloudevents':
      return {
        ...form,
        customerAttribute: settings.customerAttribute,
        kinds: linesOfMap(settings.kinds ?? {}),
        defaultKind: settings.defaultKind ?? form.defaultKind,
      };
    case 'github':
      return { ...form, customersFrom: settings.customersFrom.join(', ') };
    case 'generic':
      return settings.jsonata !== undefined
        ? { ...form, mappingChoice: 'jsonata', jsonata: settings.jsonata }
        : { ...form, preset: settings.preset ?? form.preset };
  }
}

/** `left = right` lines; the right side has no `=`, so the last one splits. Blank lines are skipped. */
function pairsOf(
  text: string,
  field: DraftField,
  example: string,
): { pairs: { left: string; right: string }[]; problems: FormProblem[] } {
  const pairs: { left: string; right: string }[] = [];
  const problems: FormProblem[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const at = line.lastIndexOf('=');
    const left = at < 0 ? '' : line.slice(0, at).trim();
    const right = at < 0 ? '' : line.slice(at + 1).trim();
    if (left === '' || right === '') {
      problems.push({ field, message: `Line ${index + 1}: ${example}` });
      return;
    }
    pairs.push({ left, right });
  });
  return { pairs, problems };
}

/** A map from lines; a key given twice is refused on its second line. */
function mapOf(text: string, field: DraftField, example: string): { map: Record<string, string>; problems: FormProblem[] } {
  const { pairs, problems } = pairsOf(text, field, example);
  const map: Record<string, string> = {};
  for (const { left, right } of pairs) {
    if (left in map) problems.push({ field, message: `"${left}" is given twice; keep one line for it.` });
    map[left] = right;
  }
  return { map, problems };
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** The settings of a filled-in form (everything but the aliases), and the problems its lines have. */
function settingsInputOf(form: SourceForm): { input: Record<string, unknown>; problems: FormProblem[] } {
  const common = {
    id: form.id.trim(),
    kind: form.kind,
    ...(form.name.trim() === '' ? {} : { name: form.name.trim() }),
    defaults: { severity: form.severity, feature: form.feature.trim() === '' ? null : form.feature.trim() },
  };
  switch (form.kind) {
    case 'alertmanager': {
      const severities = mapOf(
        form.severities,
        'severities',
        'write the label’s value, "=", then a severity, such as p1 = critical.',
      );
      return {
        input: {
          ...common,
          customerLabels: list(form.customerLabels),
          severityLabel: form.severityLabel,
          severities: severities.map,
          featureLabel: form.featureLabel,
        },
        problems: severities.problems,
      };
    }
    case 'cloudevents': {
      const kinds = mapOf(
        form.kinds,
        'kinds',
        'write the CloudEvents type, "=", then an event kind, such as com.example.deploy = deploy.',
      );
      return {
        input: {
          ...common,
          customerAttribute: form.customerAttribute.trim(),
          kinds: kinds.map,
          defaultKind: form.defaultKind.trim(),
        },
        problems: kinds.problems,
      };
    }
    case 'github':
      return { input: { ...common, customersFrom: list(form.customersFrom) }, problems: [] };
    case 'generic':
      return {
        input: { ...common, ...(form.mappingChoice === 'jsonata' ? { jsonata: form.jsonata } : { preset: form.preset }) },
        problems: [],
      };
  }
}

/** The draft of a filled-in form, or the problems under each field. */
export function draftOfForm(form: SourceForm): { ok: true; draft: SourceDraft } | { ok: false; problems: FormProblem[] } {
  const { pairs, problems: aliasProblems } = pairsOf(
    form.aliases,
    'aliases',
    'write the name the producer uses, "=", then the customer id, such as acme-prod = acme.',
  );
  const { input, problems } = settingsInputOf(form);
  const checked = checkSourceDraft({ ...input, aliases: pairs.map(({ left, right }) => ({ alias: left, customerId: right })) });
  // Lines that are not `left = right` were left out of the draft: they are refused even if the rest passes.
  const found = [...aliasProblems, ...problems];
  if (checked.ok && found.length === 0) return checked;
  return { ok: false, problems: [...found, ...(checked.ok ? [] : checked.problems)] };
}

/** A source's changed settings from the change form, or the problems under each field. */
export function settingsOfForm(form: SourceForm): { ok: true; draft: SourceSettings } | { ok: false; problems: FormProblem[] } {
  const { input, problems } = settingsInputOf(form);
  const checked = checkSourceSettings(input);
  if (checked.ok && problems.length === 0) return checked;
  return { ok: false, problems: [...problems, ...(checked.ok ? [] : checked.problems)] };
}

/** The problems of one field, in order. */
export function problemsOf(problems: readonly FormProblem[], field: DraftField): string[] {
  return problems.filter((problem) => problem.field === field).map((problem) => problem.message);
}
