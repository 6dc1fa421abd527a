/**
 * Keys of the component a code-native integration compiles to, and of its actions and triggers. All are derived
 * from names, never random, so that building the same code twice gives the same component and the same YAML.
 */

const maxSlugLength = 100;

/** FNV-1a, 32 bits: a short stable fingerprint for names that have no ASCII letters or digits. */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (const char of text) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * The key of the component generated for the integration named `integrationName`: `cni-` and the name in lower
 * case with every run of other characters turned into one `-` (accents dropped), at most 100 characters:
 * "Acme ERP — Orders" gives `cni-acme-erp-orders`. A name with no ASCII letter or digit gives `cni-` and a
 * fingerprint of the name.
 */
export function codeNativeComponentKey(integrationName: string): string {
  const slug = integrationName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, maxSlugLength)
    .replace(/^-+|-+$/g, '');
  return `cni-${slug || fingerprint(integrationName)}`;
}

/**
 * The key of a flow's generated action (`onExecution`) or trigger (`onTrigger`), as Spectral makes it: the flow's
 * name with its words joined in camel case, then `_` and the function name. "Sync New Orders" gives
 * `syncNewOrders_onExecution`.
 */
export function flowFunctionKey(flowName: string, functionName: 'onExecution' | 'onTrigger'): string {
  const words = flowName
    .replace(/[^0-9a-zA-Z]+/g, ' ')
    .trim()
    .split(' ')
    .filter((word) => word !== '');
  const flowKey = words
    .map((word, index) =>
      index === 0 ? word.toLowerCase() : word.charAt(0).toUpperCase() + word.slice(1).toLowerCase(),
    )
    .join('');
  return `${flowKey || fingerprint(flowName)}_${functionName}`;
}
