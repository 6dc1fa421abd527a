/**
 * The manifest of Weft's built-in components: for each one, its actions and triggers with Prismatic's keys, and
 * each operation's inputs (key, type, required, default, collection, picklist model). Validation checks real
 * Prismatic definitions (definitionVersion 7) against it, so that they import unchanged and typos are caught;
 * the built-in implementations must match it.
 *
 * Sources: Prismatic's component documentation, the public example definitions, and spectral's HTTP inputs.
 * Where the documentation does not print an input's key, the key is inferred from its label (each component
 * file says which); where it does not say an input is required, it is not required.
 */
import type { CatalogComponent } from '@weft/definition';
import { branch } from './catalog/branch.js';
import { changeDataFormat } from './catalog/change-data-format.js';
import { codeComponent } from './catalog/code.js';
import { collectionTools } from './catalog/collection-tools.js';
import { crossFlow } from './catalog/cross-flow.js';
import { csv } from './catalog/csv.js';
import { datetime } from './catalog/datetime.js';
import { http } from './catalog/http.js';
import { log } from './catalog/log.js';
import { loop } from './catalog/loop.js';
import { managementTriggers } from './catalog/management-triggers.js';
import { math } from './catalog/math.js';
import { persistData } from './catalog/persist-data.js';
import { recursiveFlow } from './catalog/recursive-flow.js';
import { scheduleTriggers } from './catalog/schedule-triggers.js';
import { sleep } from './catalog/sleep.js';
import { stopExecution } from './catalog/stop-execution.js';
import { textManipulation } from './catalog/text-manipulation.js';
import { webhookTriggers } from './catalog/webhook-triggers.js';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Every built-in component, all public. Frozen: it is shared by every catalog built from it. */
export const builtinCatalog: CatalogComponent[] = deepFreeze([
  // Triggers
  webhookTriggers,
  scheduleTriggers,
  managementTriggers,
  crossFlow,
  recursiveFlow,
  // Control flow
  branch,
  loop,
  stopExecution,
  sleep,
  // State, logging and code
  persistData,
  log,
  codeComponent,
  // Requests and data
  http,
  collectionTools,
  changeDataFormat,
  csv,
  textManipulation,
  datetime,
  math,
]);
