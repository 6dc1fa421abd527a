import { stringify } from 'yaml';
import type { ConfigVar, Flow, Integration, JsonValue, Step } from '../model.js';

type Doc = { [key: string]: unknown };

/** Drops undefined fields so the YAML carries only what the model holds. */
function compact(object: Doc): Doc {
  const result: Doc = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) result[key] = value;
  return result;
}

function stepDocument(step: Step, isTrigger: boolean, flow?: Flow): Doc {
  return compact({
    name: step.name,
    stableKey: step.stableKey,
    description: step.description,
    isTrigger: isTrigger || undefined,
    action: compact({ key: step.action.key, component: compact({ ...step.action.component }) }),
    schedule:
      isTrigger && flow?.schedule
        ? {
            type: flow.schedule.type,
            value: flow.schedule.value,
            meta: compact({ scheduleType: flow.schedule.scheduleType, timeZone: flow.schedule.timeZone }),
          }
        : undefined,
    inputs: Object.keys(step.inputs).length > 0 ? step.inputs : undefined,
    errorConfig: step.errorConfig,
    steps: step.steps?.map((child) => stepDocument(child, false)),
    branches: step.branches?.map((branch) => ({
      name: branch.name,
      steps: branch.steps.map((child) => stepDocument(child, false)),
    })),
  });
}

function flowDocument(flow: Flow): Doc {
  return compact({
    name: flow.name,
    stableKey: flow.stableKey,
    description: flow.description,
    isSynchronous: flow.isSynchronous,
    endpointSecurityType: flow.endpointSecurityType,
    retryConfig: flow.retryConfig,
    queueConfig: flow.queueConfig,
    supplementalComponents: flow.supplementalComponents,
    schemas: flow.schemas,
    steps: [stepDocument(flow.trigger, true, flow), ...flow.steps.map((step) => stepDocument(step, false))],
  });
}

function configVarDocument(configVar: ConfigVar): Doc {
  return compact({
    key: configVar.key,
    stableKey: configVar.stableKey,
    description: configVar.description,
    dataType: configVar.dataType,
    defaultValue: configVar.defaultValue,
    orgOnly: configVar.orgOnly,
    pickList: configVar.pickList,
    scheduleType: configVar.scheduleType,
    timeZone: configVar.timeZone,
    codeLanguage: configVar.codeLanguage,
    collectionType: configVar.collectionType,
    connection: configVar.connection,
    dataSource: configVar.dataSource,
    inputs: configVar.inputs,
    useScopedConfigVar: configVar.useScopedConfigVar,
    onPremiseConnectionConfig: configVar.onPremiseConnectionConfig,
    meta: configVar.meta,
  });
}

/** The integration as a plain object shaped like a Prismatic `definitionVersion: 7` document. */
export function toDefinitionDocument(integration: Integration): Doc {
  return compact({
    definitionVersion: integration.definitionVersion,
    isCodeNative: integration.isCodeNative || undefined,
    name: integration.name,
    description: integration.description,
    category: integration.category,
    documentation: integration.documentation,
    version: integration.version,
    labels: integration.labels.length > 0 ? integration.labels : undefined,
    endpointType: integration.endpointType,
    preprocessFlowName: integration.preprocessFlowName,
    externalCustomerIdField: integration.externalCustomerIdField,
    externalCustomerUserIdField: integration.externalCustomerUserIdField,
    flowNameField: integration.flowNameField,
    defaultInstanceProfile: integration.defaultInstanceProfile,
    requiredConfigVars: integration.configVars.map(configVarDocument),
    configPages: integration.configPages.map((page) =>
      compact({
        name: page.name,
        tagline: page.tagline,
        userLevelConfigured: page.userLevelConfigured,
        elements: page.elements,
      }),
    ),
    flows: integration.flows.map(flowDocument),
    importMetadata: integration.importMetadata as JsonValue | undefined,
  });
}

/**
 * The integration as YAML text that `parseIntegrationYaml` reads back into the same model. Strings are never
 * folded, so multi-line documentation and code survive byte for byte.
 */
export function exportIntegrationYaml(integration: Integration): string {
  return stringify(toDefinitionDocument(integration), {
    lineWidth: 0,
    aliasDuplicateObjects: false,
    // JSON-style escapes on one line: the library's multi-line double-quoted form loses a backslash before a line break.
    doubleQuotedAsJSON: true,
  });
}
