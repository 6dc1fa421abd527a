import camelCase from 'lodash.camelcase';

/** A run of letters and digits (any script); combining marks stay with the letter they modify. */
const wordPattern = /[\p{L}\p{N}\p{M}]+/gu;

/**
 * A step's key: its name camelCased exactly as Prismatic derives it, so that references in real exports
 * (`getAQueueSUrl.results`, `rawGraphqlRequest.results`) resolve to the same steps. The name is split on every
 * character that is not a letter or digit, empty parts are dropped, the first word is lowercased, and each later
 * word is lowercased with its first letter capitalised:
 *
 * - "Get a Queue's URL" → `getAQueueSUrl` (the apostrophe splits a word)
 * - "Raw GraphQL Request" → `rawGraphqlRequest` (no split inside a word, whatever its capitals)
 * - "Add 1 to current page value" → `add1ToCurrentPageValue`
 * - "[CRM] Query Entities" → `crmQueryEntities`
 *
 * Letters and digits of any script count as such ("Créer Étiquette" → `créerÉtiquette`).
 */
export function stepKey(stepName: string): string {
  let key = '';
  for (const word of stepName.match(wordPattern) ?? []) {
    const lower = word.toLowerCase();
    if (key === '') {
      key = lower;
      continue;
    }
    const [first = '', ...rest] = lower;
    key += first.toUpperCase() + rest.join('');
  }
  return key;
}

/**
 * lodash's `camelCase`: how Weft derived step keys before it followed Prismatic's rule (it also splits
 * "GitHub" into two words: `gitHub`, where Prismatic writes `github`). References written against these keys are
 * still accepted, with a warning, and rewritten to the current key; Spectral also keys the connections and data
 * sources of code-native integrations this way.
 */
export function legacyStepKey(stepName: string): string {
  return camelCase(stepName);
}
