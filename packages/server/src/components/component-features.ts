import { WeftError } from '../errors.js';
import type { DeclaredProperties } from './code-native-bundle.js';

/**
 * What Weft does with each property an action or trigger of a published component may hold (Spectral's "server
 * types", `@prismatic-io/spectral/dist/serverTypes/index.d.ts`, and Weft's own SDK): it runs it, it keeps it as
 * harmless metadata, or it refuses the component, naming the property. A feature Weft does not run is never
 * silently ignored: a trigger whose items were meant to be split into batches, or an initial sync meant to fire at
 * deploy, would otherwise seem to work and quietly do less.
 */

/** Run by Weft (or read to decide how to run the operation). */
const runActionProperties = [
  'key',
  'display',
  'inputs',
  'perform',
  'terminateExecution',
  'breakLoop',
  'allowsBranching',
  'staticBranchNames',
  'dynamicBranchInput',
  // Weft's SDK: a loop action.
  'loop',
];

/** Kept as metadata; nothing of them runs, and nothing needs to. */
const metadataActionProperties = [
  'examplePayload',
  // Describes the output for Prismatic's designer.
  'outputSchema',
  // Prismatic's designer runs these to show example data; Weft never does, which changes no execution.
  'examplePerform',
  'examplePerformSafety',
  'performSafety',
];

const runTriggerProperties = [
  'key',
  'display',
  'inputs',
  'perform',
  'scheduleSupport',
  'synchronousResponseSupport',
  'isPollingTrigger',
  'onInstanceDeploy',
  'hasOnInstanceDeploy',
  'onInstanceDelete',
  'hasOnInstanceDelete',
  'webhookCreate',
  'hasWebhookCreateFunction',
  'webhookDelete',
  'hasWebhookDeleteFunction',
  'terminateExecution',
  'breakLoop',
  'allowsBranching',
  'staticBranchNames',
  'dynamicBranchInput',
];

const metadataTriggerProperties = [
  'examplePayload',
  // Prismatic's list of "common" triggers in its designer.
  'isCommonTrigger',
  // Always written by Spectral ('invalid' without a resolver); a resolver itself comes with the properties below.
  'triggerResolverSupport',
];

/** Spectral features Weft does not run, with what they are, so the refusal says what would be lost. */
const refusedTriggerFeatures: Record<string, string> = {
  resolveTriggerItems:
    "a trigger resolver (Spectral's triggerResolver: the trigger's result split into items)",
  hasResolveTriggerItems:
    "a trigger resolver (Spectral's triggerResolver: the trigger's result split into items)",
  getNextPaginationState:
    "a trigger resolver's pagination (Spectral's triggerResolver.getNextPaginationState)",
  hasGetNextDiscoveryState:
    "a trigger resolver's pagination (Spectral's triggerResolver.getNextPaginationState)",
  triggerResolverDefaultBatchSize: "batches of trigger items (Spectral's batchConfig with a triggerResolver)",
  triggerResolverDefaultConcurrentBatchLimit:
    "batches of trigger items (Spectral's batchConfig.concurrentBatchLimit with a triggerResolver)",
  onDeployPerform: "an initial sync fired when an instance is deployed (Spectral's onDeployPerform)",
  hasOnDeployPerform: "an initial sync fired when an instance is deployed (Spectral's onDeployPerform)",
  resolveOnDeployItems:
    "an on-deploy resolver (Spectral's onDeployResolver: the initial sync split into items)",
  hasResolveOnDeployItems:
    "an on-deploy resolver (Spectral's onDeployResolver: the initial sync split into items)",
  getOnDeployNextPaginationState: "an on-deploy resolver's pagination (Spectral's onDeployResolver)",
  hasGetOnDeployNextDiscoveryState: "an on-deploy resolver's pagination (Spectral's onDeployResolver)",
  webhookLifecycleHandlers:
    'webhook lifecycle handlers left unconverted (component() turns them into webhookCreate / webhookDelete; build the component with component() from @weft/sdk or @prismatic-io/spectral)',
};

const knownAction = new Set([...runActionProperties, ...metadataActionProperties]);
const knownTrigger = new Set([...runTriggerProperties, ...metadataTriggerProperties]);

export interface UnsupportedFeature {
  operation: 'action' | 'trigger';
  key: string;
  property: string;
  reason: string;
}

/** The properties of the component's actions and triggers Weft does not run, in order. */
export function unsupportedFeatures(declared: DeclaredProperties): UnsupportedFeature[] {
  const found: UnsupportedFeature[] = [];
  for (const [key, properties] of Object.entries(declared.actions)) {
    for (const property of properties) {
      if (knownAction.has(property)) continue;
      found.push({ operation: 'action', key, property, reason: 'not a property of an action Weft knows' });
    }
  }
  for (const [key, properties] of Object.entries(declared.triggers)) {
    for (const property of properties) {
      if (knownTrigger.has(property)) continue;
      found.push({
        operation: 'trigger',
        key,
        property,
        reason: refusedTriggerFeatures[property] ?? 'not a property of a trigger Weft knows',
      });
    }
  }
  return found;
}

const shown = (text: string) => `'${text.slice(0, 120)}'`;

/** Throws COMPONENT_FEATURE_UNSUPPORTED naming every operation and property Weft would not run. */
export function refuseUnsupportedFeatures(componentKey: string, declared: DeclaredProperties): void {
  const unsupported = unsupportedFeatures(declared);
  if (unsupported.length === 0) return;
  // One clause per operation: its properties grouped by what they are.
  const clauses: string[] = [];
  const byOperation = new Map<string, UnsupportedFeature[]>();
  for (const feature of unsupported) {
    const id = `${feature.operation} ${shown(feature.key)}`;
    byOperation.set(id, [...(byOperation.get(id) ?? []), feature]);
  }
  for (const [id, features] of byOperation) {
    const byReason = new Map<string, string[]>();
    for (const feature of features)
      byReason.set(feature.reason, [...(byReason.get(feature.reason) ?? []), feature.property]);
    const parts = [...byReason].map(([reason, properties]) => `${properties.join(', ')} (${reason})`);
    clauses.push(`${id} declares ${parts.join('; ')}`);
  }
  throw new WeftError(
    'COMPONENT_FEATURE_UNSUPPORTED',
    `Component ${shown(componentKey)} was not published: it uses what Weft does not run. ${clauses.join('. ')}.`,
    { unsupported: unsupported.slice(0, 200) },
  );
}
