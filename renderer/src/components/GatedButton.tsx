import { useId, type ComponentPropsWithRef } from 'react';
import type { Capability } from '../../../shared/identity';
import { useCapability } from '../app/useCapability';

type Props = ComponentPropsWithRef<'button'> & { capability: Capability };

/**
 * A button for something only some roles may do (issue 14). Without the role it
 * stays in place and focusable but does nothing (`aria-disabled`), and says why
 * on hover and on focus ("Needs the approver role…"), read out as its
 * description. The server refuses the call anyway; this saves the user trying.
 */
export function GatedButton({ capability, onClick, className, disabled, ...rest }: Props) {
  const permission = useCapability(capability);
  const reasonId = useId();
  if (permission.isAllowed) return <button className={className} disabled={disabled} onClick={onClick} {...rest} />;
  const described = [rest['aria-describedby'], reasonId].filter(Boolean).join(' ');
  return (
    <span className="gated">
      <button
        {...rest}
        className={className ? `${className} is-gated` : 'is-gated'}
        aria-disabled="true"
        aria-describedby={described}
        onClick={(event) => event.preventDefault()}
        type={rest.type === 'submit' ? 'button' : rest.type}
      />
      <span id={reasonId} role="tooltip" className="gate-reason">
        {permission.reason}
      </span>
    </span>
  );
}
