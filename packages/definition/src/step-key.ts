import camelCase from 'lodash.camelcase';

/**
 * A step's key: its name camelCased exactly as Prismatic does it (lodash's camelCase), so that references in real
 * definitions (`httpGet.results`, `loopOverItems.currentItem`) resolve to the same steps.
 */
export function stepKey(stepName: string): string {
  return camelCase(stepName);
}
