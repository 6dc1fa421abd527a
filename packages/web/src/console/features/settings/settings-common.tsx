import type { ReactNode } from 'react';
import { type ApiSchema, messageOf, WeftApiError } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { CopyButton } from '../../ui/copy-button.js';

export type Role = ApiSchema<'User'>['role'];
export const roles: readonly Role[] = ['owner', 'admin', 'integrator', 'support', 'viewer'];

export const roleHelp: Record<Role, string> = {
  owner: 'Everything, including organization settings, single sign-on and key rotation',
  admin: 'Manage users, API tokens and signing keys; build and run everything',
  integrator: 'Build, publish and deploy integrations and components',
  support: 'Manage customers, instances and connections; read everything',
  viewer: 'Read only',
};

/** Whether `role` is at or below `own` (owner > admin > integrator > support > viewer): what `own` may grant. */
export function canGrant(own: string, role: string): boolean {
  return roles.indexOf(role as Role) >= roles.indexOf(own as Role);
}

/** The roles the signed-in person may hand out. */
export function useGrantableRoles(): Role[] {
  const { session } = useConsole();
  return roles.filter((role) => canGrant(session.role, role));
}

/**
 * The API's validation problems by field (`details.problems[].field`, else `details.field`): forms show each at its
 * field, and the message above the buttons only when no field claims it.
 */
export function fieldErrorsOf(error: unknown): Record<string, string> {
  if (!(error instanceof WeftApiError)) return {};
  const errors: Record<string, string> = {};
  const problems = error.details.problems;
  if (Array.isArray(problems)) {
    for (const problem of problems as Array<{ field?: unknown; message?: unknown }>) {
      if (typeof problem.field === 'string' && typeof problem.message === 'string') {
        errors[problem.field] ??= problem.message;
      }
    }
  }
  const field = error.details.field;
  if (typeof field === 'string' && !errors[field]) errors[field] = error.message;
  return errors;
}

/** The message of a failed call for the notice under a form, unless every problem is shown at a field it names. */
export function formErrorOf(error: unknown, shownFields: readonly string[]): string | undefined {
  if (!error) return undefined;
  const fields = Object.keys(fieldErrorsOf(error));
  const shown = (field: string) => shownFields.some((name) => field === name || field.startsWith(`${name}.`));
  if (fields.length > 0 && fields.every(shown)) return undefined;
  return messageOf(error);
}

export function FormError({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <div className="notice error" role="alert">
      {message}
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <div id={id} className="error small">
      {message}
    </div>
  );
}

/**
 * A secret the API shows only once (a token, an invitation link, a private key): readable, selectable, copyable,
 * and plainly marked as not shown again.
 */
export function OnceSecret({
  label,
  value,
  testId,
  warning,
  multiline,
  extra,
}: {
  label: string;
  value: string;
  testId: string;
  warning: ReactNode;
  multiline?: boolean;
  extra?: ReactNode;
}) {
  return (
    <div className="stack-tight settings-secret">
      <div className="notice info" role="status">
        {warning}
      </div>
      <div className="label">{label}</div>
      {multiline ? (
        <textarea
          className="textarea code"
          readOnly
          rows={8}
          value={value}
          aria-label={label}
          data-testid={testId}
          onFocus={(event) => event.currentTarget.select()}
        />
      ) : (
        <input
          className="input mono"
          readOnly
          value={value}
          aria-label={label}
          data-testid={testId}
          onFocus={(event) => event.currentTarget.select()}
        />
      )}
      <div className="row wrap">
        <CopyButton value={value} label={`Copy ${label.toLowerCase()}`} />
        {extra}
      </div>
    </div>
  );
}
