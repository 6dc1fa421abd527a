import { WeftApiError } from '../../shared/api.js';

/**
 * Where an API failure belongs on a form: the API names the field in `details.field` (validation, a name taken,
 * an input a connection refused); a field the form shows gets the message at the field, anything else above the
 * buttons.
 */
export function formErrorOf<Field extends string>(
  error: unknown,
  fields: readonly Field[],
): { field?: Field; message: string } | undefined {
  if (!error) return undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof WeftApiError) {
    const details = error.details as { field?: unknown } | undefined;
    const named = typeof details?.field === 'string' ? details.field : undefined;
    // "body field 'values.apiKey'": the first path segment is the form field.
    const field = fields.find((candidate) => named === candidate || named?.startsWith(`${candidate}.`));
    if (field) return { field, message };
  }
  return { message };
}
