import { Document, isScalar, Scalar, visit } from 'yaml';
import { containsPrivateKey } from '../key-material.js';
import {
  type ActionRef,
  type ComplexValue,
  type ComponentRef,
  type ConditionExpression,
  type ConfigVar,
  type ExtraFields,
  type Flow,
  type Input,
  type Integration,
  isConditionExpression,
  type JsonValue,
  type Step,
} from '../model.js';

type Doc = { [key: string]: unknown };

/**
 * Drops undefined fields so the YAML carries only what the model holds, then appends the fields Weft does not know
 * (kept from the imported text), where they were: in the same mapping. A known field always wins over an extra one
 * of the same name.
 */
function compact(object: Doc, extraFields?: ExtraFields): Doc {
  const result: Doc = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) result[key] = value;
  for (const [key, value] of Object.entries(extraFields ?? {})) {
    if (!Object.hasOwn(result, key))
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/** Component references in one order whatever order the model's object has, so equal models export equal text. */
function componentRefDocument(ref: ComponentRef): Doc {
  return compact(
    { key: ref.key, version: ref.version, signature: ref.signature, isPublic: ref.isPublic },
    ref.extraFields,
  );
}

function actionRefDocument(ref: ActionRef & { template?: string }): Doc {
  return compact(
    { key: ref.key, component: componentRefDocument(ref.component), template: ref.template },
    ref.extraFields,
  );
}

function inputDocument(input: Input): Doc {
  return compact(
    {
      type: input.type,
      value: input.type === 'complex' ? complexDocument(input.value) : input.value,
      name: typeof input.name === 'object' ? inputDocument(input.name) : input.name,
      meta: input.meta,
    },
    input.extraFields,
  );
}

function complexDocument(value: ComplexValue): unknown {
  if (typeof value === 'string') return value;
  if (isConditionExpression(value)) return expressionDocument(value);
  return (value as Array<Input | ConditionExpression>).map((item) =>
    Array.isArray(item) ? expressionDocument(item) : inputDocument(item as Input),
  );
}

function expressionDocument(expression: ConditionExpression): unknown[] {
  return expression.map((item) =>
    typeof item === 'string' ? item : Array.isArray(item) ? expressionDocument(item) : inputDocument(item),
  );
}

/** A connection's input values without those holding private key material (a secret, never exported). */
function withoutKeyMaterial(inputs: { [name: string]: Input }): { [name: string]: Input } {
  const kept: { [name: string]: Input } = {};
  for (const [name, input] of Object.entries(inputs)) {
    if (containsPrivateKey((input as { value?: unknown }).value)) continue;
    Object.defineProperty(kept, name, { value: input, enumerable: true, writable: true, configurable: true });
  }
  return kept;
}

function inputsDocument(inputs: { [name: string]: Input }): Doc {
  const result: Doc = {};
  for (const [name, input] of Object.entries(inputs))
    Object.defineProperty(result, name, {
      value: inputDocument(input),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return result;
}

function stepDocument(step: Step, isTrigger: boolean, flow?: Flow): Doc {
  const schedule = isTrigger ? flow?.schedule : undefined;
  return compact(
    {
      name: step.name,
      stableKey: step.stableKey,
      description: step.description,
      isTrigger: isTrigger || undefined,
      action: actionRefDocument(step.action),
      schedule: schedule
        ? compact(
            {
              type: schedule.type,
              value: schedule.value,
              meta: compact(
                { scheduleType: schedule.scheduleType, timeZone: schedule.timeZone },
                schedule.metaExtraFields,
              ),
            },
            schedule.extraFields,
          )
        : undefined,
      inputs: Object.keys(step.inputs).length > 0 ? inputsDocument(step.inputs) : undefined,
      errorConfig: step.errorConfig
        ? compact(
            {
              errorHandlerType: step.errorConfig.errorHandlerType,
              maxAttempts: step.errorConfig.maxAttempts,
              delaySeconds: step.errorConfig.delaySeconds,
              usesExponentialBackoff: step.errorConfig.usesExponentialBackoff,
              ignoreFinalError: step.errorConfig.ignoreFinalError,
            },
            step.errorConfig.extraFields,
          )
        : undefined,
      steps: step.steps?.map((child) => stepDocument(child, false)),
      branches: step.branches?.map((branch) =>
        compact(
          { name: branch.name, steps: branch.steps.map((child) => stepDocument(child, false)) },
          branch.extraFields,
        ),
      ),
    },
    step.extraFields,
  );
}

function optionalInput(input: Input | undefined): Doc | undefined {
  return input ? inputDocument(input) : undefined;
}

function flowDocument(flow: Flow): Doc {
  const { retryConfig, queueConfig, triggerResolver } = flow;
  return compact(
    {
      name: flow.name,
      stableKey: flow.stableKey,
      description: flow.description,
      isSynchronous: flow.isSynchronous,
      endpointSecurityType: flow.endpointSecurityType,
      isAgentFlow: flow.isAgentFlow,
      organizationApiKeys: flow.organizationApiKeys,
      retryConfig: retryConfig
        ? compact(
            {
              maxAttempts: retryConfig.maxAttempts,
              delayMinutes: retryConfig.delayMinutes,
              usesExponentialBackoff: retryConfig.usesExponentialBackoff,
              uniqueRequestIdField: optionalInput(retryConfig.uniqueRequestIdField),
            },
            retryConfig.extraFields,
          )
        : undefined,
      queueConfig: queueConfig
        ? compact(
            {
              usesFifoQueue: queueConfig.usesFifoQueue,
              singletonExecutions: queueConfig.singletonExecutions,
              concurrencyLimit: queueConfig.concurrencyLimit,
              dedupeIdField: optionalInput(queueConfig.dedupeIdField),
            },
            queueConfig.extraFields,
          )
        : undefined,
      triggerResolver: triggerResolver
        ? compact(
            {
              batchSize: triggerResolver.batchSize,
              concurrentBatchLimit: triggerResolver.concurrentBatchLimit,
              enabled: triggerResolver.enabled,
              runInitialSyncOnDeploy: triggerResolver.runInitialSyncOnDeploy,
            },
            triggerResolver.extraFields,
          )
        : undefined,
      supplementalComponents: flow.supplementalComponents?.map(componentRefDocument),
      schemas: flow.schemas,
      steps: [stepDocument(flow.trigger, true, flow), ...flow.steps.map((step) => stepDocument(step, false))],
    },
    flow.extraFields,
  );
}

function configVarDocument(configVar: ConfigVar): Doc {
  return compact(
    {
      key: configVar.key,
      stableKey: configVar.stableKey,
      description: configVar.description,
      dataType: configVar.dataType,
      // Private key material is a secret wherever it was put: never exported.
      defaultValue: containsPrivateKey(configVar.defaultValue) ? undefined : configVar.defaultValue,
      orgOnly: configVar.orgOnly,
      pickList: configVar.pickList,
      scheduleType: configVar.scheduleType,
      timeZone: configVar.timeZone,
      codeLanguage: configVar.codeLanguage,
      collectionType: configVar.collectionType,
      connection: configVar.connection ? actionRefDocument(configVar.connection) : undefined,
      dataSource: configVar.dataSource ? actionRefDocument(configVar.dataSource) : undefined,
      inputs: configVar.inputs ? inputsDocument(withoutKeyMaterial(configVar.inputs)) : undefined,
      useScopedConfigVar: configVar.useScopedConfigVar,
      onPremiseConnectionConfig: configVar.onPremiseConnectionConfig,
      meta: configVar.meta,
    },
    configVar.extraFields,
  );
}

/** The integration as a plain object shaped like a Prismatic `definitionVersion: 7` document. */
export function toDefinitionDocument(integration: Integration): Doc {
  return compact(
    {
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
      externalCustomerIdField: optionalInput(integration.externalCustomerIdField),
      externalCustomerUserIdField: optionalInput(integration.externalCustomerUserIdField),
      flowNameField: optionalInput(integration.flowNameField),
      defaultInstanceProfile: integration.defaultInstanceProfile,
      requiredConfigVars: integration.configVars.map(configVarDocument),
      configPages: integration.configPages.map((page) =>
        compact(
          {
            name: page.name,
            tagline: page.tagline,
            userLevelConfigured: page.userLevelConfigured,
            elements: page.elements.map((element) =>
              compact({ type: element.type, value: element.value }, element.extraFields),
            ),
          },
          page.extraFields,
        ),
      ),
      flows: integration.flows.map(flowDocument),
      importMetadata: integration.importMetadata as JsonValue | undefined,
    },
    integration.extraFields,
  );
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
