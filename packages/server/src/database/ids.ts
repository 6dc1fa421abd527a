const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether a path or query value can be a row id. Stores look a value up by id only when it is one: PostgreSQL
 * refuses to compare a uuid column with other text (an error, not a miss), and an id that is not a uuid names
 * nothing, which the caller answers as 404.
 */
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}
