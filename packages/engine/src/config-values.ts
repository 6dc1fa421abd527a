import type { ConfigVar, Integration } from '@weft/definition';

/** A default value (text in the definition) as the value a step sees: numbers, booleans and lists parsed. */
function defaultOf(configVar: ConfigVar): unknown {
  const text = configVar.defaultValue;
  if (text === undefined || text === '') return configVar.dataType === 'boolean' ? false : undefined;
  if (configVar.collectionType) {
    try {
      return JSON.parse(text);
    } catch {
      return [];
    }
  }
  switch (configVar.dataType) {
    case 'boolean':
      return text.toLowerCase() === 'true';
    case 'number': {
      // Text that is not a number stays text, so the step that uses it names the bad value.
      const number = Number(text);
      return Number.isFinite(number) ? number : text;
    }
    case 'jsonForm':
    case 'objectSelection':
    case 'objectFieldMap':
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/** Config values by name: the given ones, and for the rest the definition's defaults. */
export function configValues(
  integration: Integration,
  given: Record<string, unknown> = {},
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const configVar of integration.configVars) {
    values[configVar.key] = Object.hasOwn(given, configVar.key) ? given[configVar.key] : defaultOf(configVar);
  }
  for (const [key, value] of Object.entries(given)) if (!(key in values)) values[key] = value;
  return values;
}
