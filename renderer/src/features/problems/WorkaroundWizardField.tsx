import { useId } from 'react';
import { useStore } from '../../store/store';
import { useWizardTitles } from '../wizards/useWizardTitles';

/**
 * A known problem's workaround wizard: typed by id, with the library's wizards
 * offered as you type, and under the field which wizard that id is — or that
 * this desk's library does not hold it, so a typo shows before the save.
 */
export function WorkaroundWizardField({ value, onChange }: { value: string; onChange(value: string): void }) {
  const inputId = useId();
  const listId = useId();
  const hintId = useId();
  const titleOf = useWizardTitles();
  const wizards = useStore((state) => state.library.wizards);
  const id = value.trim();
  const title = id === '' ? undefined : titleOf(id);
  return (
    <div className="field">
      <label htmlFor={inputId}>Workaround wizard</label>
      <input
        id={inputId}
        value={value}
        list={listId}
        placeholder="export-job-behind"
        aria-describedby={hintId}
        onChange={(event) => onChange(event.target.value)}
      />
      <datalist id={listId}>
        {wizards.map((wizard) => (
          <option key={wizard.id} value={wizard.id}>
            {wizard.title}
          </option>
        ))}
      </datalist>
      <span id={hintId} className="muted">
        {id === ''
          ? 'The wizard an engineer runs to work around it; a known error needs one.'
          : title === null
            ? `“${id}” is not in this desk’s wizard library: check the id, or sync.`
            : title === undefined
              ? 'Looking it up in the wizard library…'
              : title}
      </span>
    </div>
  );
}
