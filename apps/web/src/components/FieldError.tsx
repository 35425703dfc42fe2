import { Icon } from './Icon';

/** The message under a control; its id is what the control's aria-describedby points at. */
export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p className="field__error" id={id} data-testid={`error-${id.replace(/-error$/, '')}`}>
      <Icon name="alert" className="icon field__icon" />
      {message}
    </p>
  );
}

/** `backups[1].number` → `backups-1-number`: an element id for an API field path. */
export const fieldId = (path: string): string => path.replace(/[[\].]+/g, '-').replace(/-+$/, '');

/** aria-describedby from the ids that exist. */
export const describedBy = (...ids: Array<string | false | null | undefined>): string | undefined =>
  ids.filter(Boolean).join(' ') || undefined;
