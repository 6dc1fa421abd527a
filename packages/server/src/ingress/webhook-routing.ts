import { createHash, timingSafeEqual } from 'node:crypto';
import type { Flow, Input, Integration } from '@weft/definition';
import { WeftError } from '../errors.js';
import { flowsOf } from '../executions/execution-queue.js';
import { shown } from './webhook-request.js';

/**
 * What routing a webhook needs from one integration version, worked out once per version (versions are
 * immutable): the endpoint configuration (endpoint type, preprocess flow, where the request names the customer and
 * the flow) and, per flow, where its deduplication and unique request ids are, whether its trigger may set the HTTP
 * response, and its organization API keys.
 */

export interface FlowRouting {
  flow: Flow;
  /** `queueConfig.dedupeIdField`: where the request carries its deduplication id. */
  dedupePath: string | undefined;
  /** `retryConfig.uniqueRequestIdField`: where the request carries the id that cancels older pending retries. */
  uniqueRequestPath: string | undefined;
  /** Whether the trigger may compute the HTTP response (an asynchronous flow's caller then waits for the trigger). */
  triggerMayAnswer: boolean;
  /** `organizationApiKeys`, for flows secured by the organization. */
  organizationApiKeys: string[];
}

export interface VersionRouting {
  versionId: string;
  integrationName: string;
  endpointType: Integration['endpointType'];
  preprocessFlow: FlowRouting | undefined;
  flowNameField: string | undefined;
  externalCustomerIdField: string | undefined;
  flowsByStableKey: Map<string, FlowRouting>;
  flowsByName: Map<string, FlowRouting>;
  /** The flows a request may be routed to: every flow but the preprocess flow. */
  routable: FlowRouting[];
  /** Routable flows a request can run by default when it names none: not deploy/remove-trigger flows. */
  defaultable: FlowRouting[];
}

/** The platform's own triggers that only pass the request on: they never set a response. */
const passThroughTriggers = new Set(['schedule-triggers', 'management-triggers', 'cross-flow']);
const lifecycleTriggers = new Set([
  'management-triggers/instanceDeploy',
  'management-triggers/instanceRemove',
]);
const webhookResponseInputs = ['body', 'contentType', 'statusCode', 'headers'];

export function versionRouting(versionId: string, integration: Integration): VersionRouting {
  const flows = flowsOf(integration).map(flowRouting);
  const preprocessName = integration.preprocessFlowName || undefined;
  const preprocessFlow = flows.find((entry) => entry.flow.name === preprocessName);
  const routable = flows.filter((entry) => entry !== preprocessFlow);
  return {
    versionId,
    integrationName: integration.name,
    endpointType: integration.endpointType ?? 'flow_specific',
    preprocessFlow,
    flowNameField: pathOfInput(integration.flowNameField),
    externalCustomerIdField: pathOfInput(integration.externalCustomerIdField),
    flowsByStableKey: new Map(flows.map((entry) => [entry.flow.stableKey, entry])),
    flowsByName: new Map(routable.map((entry) => [entry.flow.name, entry])),
    routable,
    defaultable: routable.filter((entry) => !lifecycleTriggers.has(triggerOf(entry.flow))),
  };
}

function flowRouting(flow: Flow): FlowRouting {
  return {
    flow,
    dedupePath: pathOfInput(flow.queueConfig?.dedupeIdField),
    uniqueRequestPath: pathOfInput(flow.retryConfig?.uniqueRequestIdField),
    triggerMayAnswer: triggerMayAnswer(flow),
    organizationApiKeys: (flow.organizationApiKeys ?? []).filter((key) => key !== ''),
  };
}

function triggerOf(flow: Flow): string {
  return `${flow.trigger?.action?.component?.key ?? ''}/${flow.trigger?.action?.key ?? ''}`;
}

/**
 * Whether a flow's trigger may set the HTTP response: the built-in webhook trigger when any of its response inputs
 * is set ("" and empty lists mean not set, as exports write them), and any trigger that is not one of the platform's
 * pass-through triggers (custom, code-native and connector triggers compute a response in `perform`).
 */
export function triggerMayAnswer(flow: Flow): boolean {
  const component = flow.trigger?.action?.component?.key ?? '';
  if (passThroughTriggers.has(component)) return false;
  if (triggerOf(flow) !== 'webhook-triggers/webhook') return true;
  const inputs = flow.trigger?.inputs ?? {};
  return webhookResponseInputs.some((name) => isSetInput(inputs[name]));
}

function isSetInput(input: Input | undefined): boolean {
  if (input === undefined || input === null) return false;
  const value = (input as { value?: unknown }).value;
  if (input.type === 'value' || input.type === 'complex') {
    if (value === undefined || value === null || value === '') return false;
    if (Array.isArray(value)) return value.length > 0;
    return true;
  }
  // A reference, a config variable or a template: known only when the trigger runs.
  return typeof value !== 'string' || value !== '';
}

/** The path an endpoint configuration field holds (`{type: value, value: "headers.x"}` or the text itself). */
export function pathOfInput(input: Input | string | undefined): string | undefined {
  if (input === undefined || input === null) return undefined;
  if (typeof input === 'string') return input.trim() || undefined;
  const value = (input as { value?: unknown }).value;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The flow a request names (by name or stable key), else the only flow it could mean. `where` says where the
 * name was looked for, for the error.
 */
export function pickFlow(
  routing: VersionRouting,
  wanted: string | undefined,
  where: string,
  extraDetails: Record<string, unknown> = {},
): FlowRouting {
  const names = routing.routable.map((entry) => entry.flow.name);
  if (wanted === undefined) {
    if (routing.defaultable.length === 1) return routing.defaultable[0] as FlowRouting;
    throw new WeftError(
      'WEBHOOK_FLOW_NOT_ROUTED',
      `The request does not name a flow (expected in ${where}); the flows are ${quoted(names)}.`,
      { flowNameField: routing.flowNameField ?? null, flows: names, ...extraDetails },
    );
  }
  const byStableKey = routing.flowsByStableKey.get(wanted);
  const flow =
    routing.flowsByName.get(wanted) ?? (byStableKey !== routing.preprocessFlow ? byStableKey : undefined);
  if (!flow) {
    throw new WeftError(
      'WEBHOOK_FLOW_NOT_ROUTED',
      wanted === routing.preprocessFlow?.flow.name
        ? `'${wanted}' (from ${where}) is the preprocess flow, which routes requests; name one of ${quoted(names)}.`
        : `'${shown(wanted)}' (from ${where}) is not a flow of this instance; the flows are ${quoted(names)}.`,
      { flowNameField: routing.flowNameField ?? null, flow: shown(wanted), flows: names, ...extraDetails },
    );
  }
  return flow;
}

export function quoted(names: string[]): string {
  return names.map((name) => `'${name}'`).join(', ') || '(none)';
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Checks the `Api-Key` header against the flow's security: an instance's keys for `customer_*` flows, the flow's
 * `organizationApiKeys` for `organization` flows (the instance's keys do not open those). Keys are compared as
 * digests in constant time, so response timing says nothing about how much of a key matched.
 */
export function checkApiKey(
  routed: FlowRouting,
  instanceApiKeys: string[],
  given: string | string[] | undefined,
): void {
  const security = routed.flow.endpointSecurityType;
  if (security === 'unsecured') return;
  if (security === 'customer_optional' && instanceApiKeys.length === 0) return;
  const organization = security === 'organization';
  const candidates = organization ? routed.organizationApiKeys : instanceApiKeys;
  if (organization && candidates.length === 0) {
    throw new WeftError(
      'WEBHOOK_ORGANIZATION_API_KEYS_MISSING',
      `Flow '${routed.flow.name}' is secured by the organization (endpointSecurityType: organization) but has no organizationApiKeys, so it refuses every request.`,
      { flow: routed.flow.name },
    );
  }
  const key = Array.isArray(given) ? given[0] : given;
  let matched = false;
  if (typeof key === 'string') {
    const wanted = digest(key);
    // Every candidate is compared, matched or not.
    for (const candidate of candidates) if (timingSafeEqual(digest(candidate), wanted)) matched = true;
  }
  if (!matched) {
    const whose = organization ? "the flow's organization API keys" : 'the instance API keys';
    throw new WeftError(
      'WEBHOOK_API_KEY_INVALID',
      key === undefined
        ? `Flow '${routed.flow.name}' needs an API key in the Api-Key header.`
        : `The Api-Key header matches none of ${whose}.`,
      { flow: routed.flow.name, keys: organization ? 'organization' : 'instance' },
    );
  }
}
