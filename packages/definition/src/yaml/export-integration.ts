import { Document, isScalar, Scalar, visit } from 'yaml';
import type { ComponentRef, ConfigVar, Flow, Integration, JsonValue, Step } from '../model.js';

type Doc = { [key: string]: unknown };

/** Drops undefined fields so the YAML carries only what the model holds. */
function compact(object: Doc): Doc {
  const result: Doc = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) result[key] = value;
  return result;
}

/** Component references in one order whatever order the model's object has, so equal models export equal text. */
function componentRefDocument(ref: ComponentRef): Doc {
  return compact({ key: ref.key, version: ref.version, signature: ref.signature, isPublic: ref.isPublic });
}

function stepDocument(step: Step, isTrigger: boolean, flow?: Flow): Doc {
  return compact({
    name: step.name,
    stableKey: step.stableKey,
    description: step.description,
    isTrigger: isTrigger || undefined,
    action: { key: step.action.key, component: componentRefDocument(step.action.component) },
    schedule:
      isTrigger && flow?.schedule
        ? {
            type: flow.schedule.type,
            value: flow.schedule.value,
            meta: compact({ scheduleType: flow.schedule.scheduleType, timeZone: flow.schedule.timeZone }),
          }
        : undefined,
    inputs: Object.keys(step.inputs).length > 0 ? step.inputs : undefined,
    errorConfig: step.errorConfig
      ? compact({
          errorHandlerType: step.errorConfig.errorHandlerType,
          maxAttempts: step.errorConfig.maxAttempts,
          delaySeconds: step.errorConfig.delaySeconds,
          usesExponentialBackoff: step.errorConfig.usesExponentialBackoff,
          ignoreFinalError: step.errorConfig.ignoreFinalError,
        })
      : undefined,
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
    retryConfig: flow.retryConfig
      ? compact({
          maxAttempts: flow.retryConfig.maxAttempts,
          delayMinutes: flow.retryConfig.delayMinutes,
          usesExponentialBackoff: flow.retryConfig.usesExponentialBackoff,
          uniqueRequestIdField: flow.retryConfig.uniqueRequestIdField,
        })
      : undefined,
    queueConfig: flow.queueConfig
      ? compact({
          usesFifoQueue: flow.queueConfig.usesFifoQueue,
          singletonExecutions: flow.queueConfig.singletonExecutions,
          concurrencyLimit: flow.queueConfig.concurrencyLimit,
          dedupeIdField: flow.queueConfig.dedupeIdField,
        })
      : undefined,
    supplementalComponents: flow.supplementalComponents?.map(componentRefDocument),
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
    connection: configVar.connection
      ? compact({
          key: configVar.connection.key,
          component: componentRefDocument(configVar.connection.component),
          template: configVar.connection.template,
        })
      : undefined,
    dataSource: configVar.dataSource
      ? { key: configVar.dataSource.key, component: componentRefDocument(configVar.dataSource.component) }
      : undefined,
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
  const document = new Document(toDefinitionDocument(integration), { aliasDuplicateObjects: false });
  visit(document, {
    Scalar: (_key, node) => {
      // Text of only blanks and line breaks cannot be a block scalar (the library writes one that reads back
      // without its blanks), so it is quoted.
      if (
        isScalar(node) &&
        typeof node.value === 'string' &&
        /\n/.test(node.value) &&
        node.value.trim() === ''
      ) {
        node.type = Scalar.QUOTE_DOUBLE;
      }
    },
  });
  return document.toString({
    lineWidth: 0,
    // JSON-style escapes on one line: the library's multi-line double-quoted form loses a backslash before a line break.
    doubleQuotedAsJSON: true,
  });
}
