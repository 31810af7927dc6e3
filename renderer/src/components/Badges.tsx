import type { Health, Severity } from '../../../shared/domain';
import { humanize } from '../lib/values';

/** A glyph per event kind; unknown kinds get a plain dot. Always shown next to the kind's name. */
const KIND_GLYPHS: Record<string, string> = {
  deploy: '⇪',
  version_upgrade: '⬆',
  flag_change: '⚑',
  config_change: '⚙',
  provisioning_step: '▣',
  alert: '⚠',
  error_spike: '↯',
  incident: '✱',
  ticket: '✉',
  usage_drop: '↘',
  remediation: '✚',
  wizard_run: '➜',
  note: '✎',
  plan_change: '⇄',
  recovery: '✔',
};

const SEVERITY_GLYPHS: Record<Severity, string> = {
  info: 'i',
  notice: '•',
  warning: '!',
  error: '!!',
  critical: '!!!',
};

const HEALTH_GLYPHS: Record<Health, string> = {
  ok: '●',
  degraded: '◐',
  down: '✖',
  unknown: '?',
};

/** The glyph of an event kind; unknown kinds get a plain dot. */
export function kindGlyph(kind: string): string {
  return KIND_GLYPHS[kind] ?? '•';
}

/** The shape that goes with a severity, so it never rests on colour alone. */
export function severityGlyph(severity: Severity): string {
  return SEVERITY_GLYPHS[severity];
}

/** The kind's glyph, coloured by severity; decorative (the kind is always also written out). */
export function KindIcon({ kind, severity }: { kind: string; severity: Severity }) {
  return (
    <span className={`kind-icon sev-${severity}`} aria-hidden="true">
      {kindGlyph(kind)}
    </span>
  );
}

/** Severity as text and shape, not colour alone. */
export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span className={`severity-badge sev-${severity}`}>
      <span aria-hidden="true" className="severity-glyph">
        {severityGlyph(severity)}
      </span>
      {severity}
    </span>
  );
}

/** Health as text and glyph, not colour alone. */
export function HealthBadge({ health }: { health: Health }) {
  return (
    <span className={`health-badge health-${health}`}>
      <span aria-hidden="true">{HEALTH_GLYPHS[health]}</span> {health}
    </span>
  );
}

/** The readable name of an event kind. */
export function kindLabel(kind: string): string {
  return humanize(kind);
}
