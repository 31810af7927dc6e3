import { GatedButton } from '../../components/GatedButton';
import { useWizardTitles } from '../wizards/useWizardTitles';

/**
 * Starts a known problem's workaround wizard on one customer, named by its title.
 * When this desk's library does not hold that wizard, says so and what to do
 * instead of offering a button that can only fail.
 */
export function WorkaroundButton({
  wizardId,
  customerName,
  isCompact,
  disabled,
  onStart,
}: {
  wizardId: string;
  /** Named in the button's accessible name where several customers' buttons are side by side. */
  customerName?: string;
  /** Visible text "Start the workaround" only (a table cell); the title is in the accessible name. */
  isCompact?: boolean;
  disabled: boolean;
  onStart(): void;
}) {
  const title = useWizardTitles()(wizardId);
  if (title === null && isCompact) return <span className="muted">“{wizardId}” is not in this desk’s wizard library</span>;
  if (title === null)
    return (
      <span className="muted">
        Its workaround wizard “{wizardId}” is not in this desk’s wizard library. Sync, or set the problem’s workaround wizard to
        one the library holds.
      </span>
    );
  const name = title ?? wizardId;
  return (
    <GatedButton
      capability="operate"
      type="button"
      aria-label={customerName ? `Start the workaround on ${customerName}: ${name}` : undefined}
      disabled={disabled}
      onClick={onStart}
    >
      {isCompact ? 'Start the workaround' : `Start the workaround: ${name}`}
    </GatedButton>
  );
}
