import { randomUUID } from 'node:crypto';
import { isMap, isScalar, isSeq, type Node, parseDocument } from 'yaml';
import type { ComponentCatalog } from '../catalog.js';
import {
  type ActionRef,
  type Branch,
  type ComplexValue,
  type ComponentRef,
  type ConditionExpression,
  type ConfigPage,
  type ConfigPageElement,
  type ConfigVar,
  codeLanguages,
  collectionTypes,
  configPageElementTypes,
  configVarDataTypes,
  DEFINITION_VERSION,
  type ErrorConfig,
  type ExtraFields,
  endpointSecurityTypes,
  endpointTypes,
  errorHandlerTypes,
  type Flow,
  type Input,
  type Integration,
  inputTypes,
  type JsonValue,
  type QueueConfig,
  type RetryConfig,
  type Schedule,
  type Step,
  type TriggerResolver,
} from '../model.js';
import type { DefinitionProblem } from '../problems.js';
import { stepKey } from '../step-key.js';
import { validateIntegration } from '../validate/validate-integration.js';
import { SourcePositions } from './source-positions.js';
import { describe, type Fields, isNullScalar, setOwn, YamlReader } from './yaml-reader.js';

/** Keeps the unknown fields of a mapping on the model object read from it (see `YamlReader.fields`). */
function keepExtraFields(target: { extraFields?: ExtraFields }, fields: Fields): void {
  const extra = fields.extraFields();
  if (extra) target.extraFields = extra;
}

export interface ParseOptions {
  /** Named in every problem, so `FILE:LINE:COL: message` points at the user's file. */
  fileName?: string;
  /** Components that steps may use; without one, component, action and input checks are skipped. */
  catalog?: ComponentCatalog;
  /** The integration's current draft: flows and config variables matched by name (or renameAttributes) keep its stable keys. */
  previous?: Integration;
  /** Largest accepted text, in bytes (default 10 MiB). */
  maxBytes?: number;
}

export type ParseResult =
  | { ok: true; integration: Integration; warnings: DefinitionProblem[] }
  | { ok: false; problems: DefinitionProblem[] };

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
/** Loops and branches nested deeper than this are refused (and would not be readable anyway). */
const MAX_STEP_DEPTH = 32;

const integrationFields = [
  'definitionVersion',
  'isCodeNative',
  'name',
  'description',
  'category',
  'documentation',
  'version',
  'labels',
  'endpointType',
  'preprocessFlowName',
  'externalCustomerIdField',
  'externalCustomerUserIdField',
  'flowNameField',
  'defaultInstanceProfile',
  'requiredConfigVars',
  'configPages',
  'flows',
  'renameAttributes',
  'importMetadata',
] as const;
const flowFields = [
  'name',
  'stableKey',
  'description',
  'isSynchronous',
  'endpointSecurityType',
  'retryConfig',
  'queueConfig',
  'supplementalComponents',
  'schemas',
  'isAgentFlow',
  'triggerResolver',
  'organizationApiKeys',
  'steps',
] as const;
const stepFields = [
  'name',
  'stableKey',
  'description',
  'isTrigger',
  'action',
  'schedule',
  'inputs',
  'errorConfig',
  'steps',
  'branches',
] as const;
const configVarFields = [
  'key',
  'stableKey',
  'description',
  'dataType',
  'defaultValue',
  'orgOnly',
  'pickList',
  'scheduleType',
  'timeZone',
  'codeLanguage',
  'collectionType',
  'connection',
  'dataSource',
  'inputs',
  'useScopedConfigVar',
  'onPremiseConnectionConfig',
  'meta',
] as const;

/**
 * Reads a Prismatic-style YAML definition (`definitionVersion: 7`) into the flow model and validates it. Never
 * throws for any input text: every mistake becomes a problem with file, line and column.
 */
export function parseIntegrationYaml(text: string, options: ParseOptions = {}): ParseResult {
  const file = options.fileName;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) {
    return failure({
      code: 'DOCUMENT_TOO_LARGE',
      severity: 'error',
      message: `the definition is ${size} bytes; the limit is ${maxBytes} bytes`,
      file,
      line: 1,
      column: 1,
      path: '',
    });
  }
  const positions = new SourcePositions(text);
  let document: ReturnType<typeof parseDocument>;
  try {
    document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    // The YAML library recurses over nesting; absurdly deep documents exhaust the stack rather than parse.
    return failure({
      code: 'YAML_SYNTAX',
      severity: 'error',
      message: `the YAML cannot be read: ${error instanceof RangeError ? 'it nests too deeply' : (error as Error).message}`,
      file,
      line: 1,
      column: 1,
      path: '',
    });
  }
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.slice(0, 50).map((error) => ({
        code: 'YAML_SYNTAX',
        severity: 'error',
        message: yamlErrorMessage(error.message),
        file,
        ...positions.at(error.pos[0]),
        path: '',
      })),
    };
  }
  const reader = new YamlReader(document, positions, file);
  const integration = readIntegration(reader, document.contents as Node | null, options.previous);
  if (integration && !reader.problems.some((problem) => problem.severity === 'error')) {
    validateIntegration(integration, {
      catalog: options.catalog,
      report: (code, path, message, severity) => reader.report(code, path, path, message, severity),
      describesProblems: () => reader.describesProblems,
      locate: (path) => reader.positionOf(path),
    });
  }
  reader.finish();
  const errors = reader.problems.filter((problem) => problem.severity === 'error');
  if (!integration || errors.length > 0) return { ok: false, problems: sortProblems(reader.problems) };
  return { ok: true, integration, warnings: sortProblems(reader.problems) };
}

function failure(problem: DefinitionProblem): ParseResult {
  return { ok: false, problems: [problem] };
}

function sortProblems(problems: DefinitionProblem[]): DefinitionProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The YAML library appends " at line N, column M:" and a code excerpt; the problem carries both separately. */
function yamlErrorMessage(message: string): string {
  if (message.includes('Maximum call stack size exceeded')) return 'the YAML nests too deeply to read';
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function readIntegration(
  reader: YamlReader,
  root: Node | null,
  previous: Integration | undefined,
): Integration | null {
  if (root === null || isNullScalar(root)) {
    reader.report(
      'FIELD_REQUIRED',
      null,
      '',
      'the definition is empty; it needs at least definitionVersion: 7, name and flows',
    );
    return null;
  }
  const map = reader.map(root, '', 'the definition');
  if (!map) return null;
  const fields = reader.fields(map, '', integrationFields, 'the integration');
  if (fields.require('definitionVersion', 'definitionVersion: 7')) {
    const version = fields.number('definitionVersion');
    if (version !== undefined && version !== DEFINITION_VERSION) {
      reader.report(
        'DEFINITION_VERSION_UNSUPPORTED',
        fields.node('definitionVersion'),
        'definitionVersion',
        `definitionVersion ${version} is not supported; Weft reads definitionVersion: 7 (export the integration again from a current designer)`,
      );
    }
  }
  fields.require('name', "name: 'Acme ERP Sync'");
  const renames = readRenames(reader, fields);

  const configVars = fields
    .list('requiredConfigVars')
    .map((entry) => readConfigVar(reader, entry.node, entry.path))
    .filter((configVar): configVar is ConfigVar => configVar !== null);
  const configPages = fields
    .list('configPages')
    .map((entry) => readConfigPage(reader, entry.node, entry.path))
    .filter((page): page is ConfigPage => page !== null);
  if (!fields.has('flows'))
    reader.report('FIELD_REQUIRED', map, 'flows', "the integration is missing 'flows' (a list of flows)");
  const flows = fields
    .list('flows')
    .map((entry) => readFlow(reader, entry.node, entry.path))
    .filter((flow): flow is Flow => flow !== null);

  assignStableKeys(flows, previous?.flows ?? [], renames.flows, (flow) => flow.name);
  assignStableKeys(configVars, previous?.configVars ?? [], renames.configVars, (configVar) => configVar.key);
  checkRenames(reader, renames, flows, configVars);

  const integration: Integration = {
    definitionVersion: DEFINITION_VERSION,
    name: fields.string('name') ?? '',
    description: fields.string('description') ?? '',
    labels: fields.strings('labels') ?? [],
    isCodeNative: fields.boolean('isCodeNative') ?? false,
    endpointType: fields.oneOf('endpointType', endpointTypes) ?? 'flow_specific',
    configVars,
    configPages,
    flows,
  };
  setIfDefined(integration, 'category', fields.string('category'));
  setIfDefined(integration, 'documentation', fields.string('documentation'));
  setIfDefined(integration, 'version', fields.string('version'));
  // An empty preprocessFlowName (as an export writes an unset one) means no preprocess flow.
  setIfDefined(integration, 'preprocessFlowName', fields.string('preprocessFlowName') || undefined);
  setIfDefined(integration, 'defaultInstanceProfile', fields.string('defaultInstanceProfile'));
  for (const name of ['externalCustomerIdField', 'externalCustomerUserIdField', 'flowNameField'] as const) {
    if (fields.has(name) && !isNullScalar(fields.node(name))) {
      const input = readInput(reader, fields.node(name), fields.pathOf(name), 0);
      if (input) integration[name] = input;
    }
  }
  const importMetadata = fields.json('importMetadata');
  if (importMetadata && typeof importMetadata === 'object' && !Array.isArray(importMetadata)) {
    integration.importMetadata = importMetadata;
  }
  keepExtraFields(integration, fields);
  return integration;
}

function setIfDefined<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

interface Renames {
  flows: Map<string, string>;
  configVars: Map<string, string>;
  entries: Array<{ kind: 'flows' | 'requiredConfigVars'; newName: string; path: string }>;
}

/** renameAttributes: `{requiredConfigVars: [{oldName, newName}], flows: [{oldName, newName}]}`, keyed by new name. */
function readRenames(reader: YamlReader, fields: Fields): Renames {
  const renames: Renames = { flows: new Map(), configVars: new Map(), entries: [] };
  if (!fields.has('renameAttributes') || isNullScalar(fields.node('renameAttributes'))) return renames;
  const map = reader.map(fields.node('renameAttributes'), 'renameAttributes', 'renameAttributes');
  if (!map) return renames;
  // renameAttributes is applied on import and not kept, so unknown fields in it are ignored.
  const renameFields = reader.fields(
    map,
    'renameAttributes',
    ['requiredConfigVars', 'flows'],
    'renameAttributes',
    'ignore',
  );
  for (const kind of ['requiredConfigVars', 'flows'] as const) {
    for (const entry of renameFields.list(kind)) {
      const entryMap = reader.map(entry.node, entry.path, 'a rename');
      if (!entryMap) continue;
      const rename = reader.fields(entryMap, entry.path, ['oldName', 'newName'], 'a rename', 'ignore');
      const hasOld = rename.require('oldName', "oldName: 'Salesforce Connection'");
      const hasNew = rename.require('newName', "newName: 'SFDC Connection'");
      const oldName = rename.string('oldName');
      const newName = rename.string('newName');
      if (!hasOld || !hasNew || oldName === undefined || newName === undefined) continue;
      (kind === 'flows' ? renames.flows : renames.configVars).set(newName, oldName);
      renames.entries.push({ kind, newName, path: rename.pathOf('newName') });
    }
  }
  return renames;
}

function checkRenames(reader: YamlReader, renames: Renames, flows: Flow[], configVars: ConfigVar[]): void {
  for (const entry of renames.entries) {
    const names =
      entry.kind === 'flows' ? flows.map((flow) => flow.name) : configVars.map((configVar) => configVar.key);
    if (names.includes(entry.newName)) continue;
    const what = entry.kind === 'flows' ? 'flow' : 'config variable';
    reader.report(
      'RENAME_INVALID',
      entry.path,
      entry.path,
      `renameAttributes renames to ${what} '${entry.newName}', which this definition does not have${didYouMeanText(entry.newName, names)}`,
    );
  }
}

function didYouMeanText(word: string, candidates: string[]): string {
  const match = candidates.find((candidate) => candidate.toLowerCase() === word.toLowerCase());
  return match ? ` — did you mean '${match}'?` : '';
}

/**
 * Stable keys give flows and config variables an identity that survives renames. A key written in the definition
 * wins; otherwise the previous draft's item with the same name (or the renamed-from name) lends its key; otherwise
 * a new key is made.
 */
function assignStableKeys<T extends { stableKey: string }>(
  items: T[],
  previousItems: T[],
  renamedFrom: Map<string, string>,
  nameOf: (item: T) => string,
): void {
  const previousByName = new Map(previousItems.map((item) => [nameOf(item), item.stableKey]));
  const taken = new Set(items.map((item) => item.stableKey).filter((key) => key !== ''));
  for (const item of items) {
    if (item.stableKey !== '') continue;
    const name = nameOf(item);
    const inherited = previousByName.get(renamedFrom.get(name) ?? name) ?? previousByName.get(name);
    item.stableKey = inherited && !taken.has(inherited) ? inherited : randomUUID();
    taken.add(item.stableKey);
  }
}

function readFlow(reader: YamlReader, node: Node | null, path: string): Flow | null {
  const map = reader.map(node, path, 'a flow');
  if (!map) return null;
  const fields = reader.fields(map, path, flowFields, 'a flow');
  fields.require('name', "name: 'Sync Orders'");
  const name = fields.string('name') ?? '';
  const stepEntries = fields.list('steps');
  if (stepEntries.length === 0) {
    reader.report(
      'FLOW_TRIGGER_MISSING',
      fields.node('steps') ?? map,
      fields.pathOf('steps'),
      `flow '${name}' has no steps; its first step must be a trigger (for example webhook-triggers' webhook)`,
    );
    return null;
  }
  const steps = stepEntries
    .map((entry, index) => readStep(reader, entry.node, entry.path, 0, index === 0))
    .filter((step): step is { step: Step; schedule?: Schedule } => step !== null);
  const [first, ...rest] = steps;
  if (!first || steps.length !== stepEntries.length) return null;
  const flow: Flow = {
    name,
    stableKey: fields.string('stableKey') ?? '',
    description: fields.string('description') ?? '',
    isSynchronous: fields.boolean('isSynchronous') ?? false,
    endpointSecurityType: fields.oneOf('endpointSecurityType', endpointSecurityTypes) ?? 'customer_optional',
    trigger: first.step,
    steps: rest.map((entry) => entry.step),
  };
  if (first.schedule) flow.schedule = first.schedule;
  const retryConfig = readRetryConfig(reader, fields);
  if (retryConfig) flow.retryConfig = retryConfig;
  const queueConfig = readQueueConfig(reader, fields);
  if (queueConfig) flow.queueConfig = queueConfig;
  if (fields.has('supplementalComponents') && !isNullScalar(fields.node('supplementalComponents'))) {
    flow.supplementalComponents = fields
      .list('supplementalComponents')
      .map((entry) => readComponentRef(reader, entry.node, entry.path))
      .filter((ref): ref is ComponentRef => ref !== null);
  }
  if (fields.has('schemas') && !isNullScalar(fields.node('schemas'))) {
    const schemas = fields.json('schemas');
    if (schemas !== undefined) flow.schemas = schemas;
  }
  setIfDefined(flow, 'isAgentFlow', fields.boolean('isAgentFlow'));
  const triggerResolver = readTriggerResolver(reader, fields);
  if (triggerResolver) flow.triggerResolver = triggerResolver;
  setIfDefined(flow, 'organizationApiKeys', fields.strings('organizationApiKeys'));
  keepExtraFields(flow, fields);
  return flow;
}

/** `triggerResolver: {batchSize, concurrentBatchLimit, enabled, runInitialSyncOnDeploy}`: batching of trigger items. */
function readTriggerResolver(reader: YamlReader, flowFields: Fields): TriggerResolver | undefined {
  if (!flowFields.has('triggerResolver') || isNullScalar(flowFields.node('triggerResolver')))
    return undefined;
  const path = flowFields.pathOf('triggerResolver');
  const map = reader.map(flowFields.node('triggerResolver'), path, 'triggerResolver');
  if (!map) return undefined;
  const fields = reader.fields(
    map,
    path,
    ['batchSize', 'concurrentBatchLimit', 'enabled', 'runInitialSyncOnDeploy'],
    'triggerResolver',
  );
  const resolver: TriggerResolver = {};
  setIfDefined(resolver, 'batchSize', fields.number('batchSize', { min: 1, integer: true }));
  setIfDefined(
    resolver,
    'concurrentBatchLimit',
    fields.number('concurrentBatchLimit', { min: 1, integer: true }),
  );
  setIfDefined(resolver, 'enabled', fields.boolean('enabled'));
  setIfDefined(resolver, 'runInitialSyncOnDeploy', fields.boolean('runInitialSyncOnDeploy'));
  keepExtraFields(resolver, fields);
  return resolver;
}

function readRetryConfig(reader: YamlReader, flowFields: Fields): RetryConfig | undefined {
  if (!flowFields.has('retryConfig') || isNullScalar(flowFields.node('retryConfig'))) return undefined;
  const path = flowFields.pathOf('retryConfig');
  const map = reader.map(flowFields.node('retryConfig'), path, 'retryConfig');
  if (!map) return undefined;
  const fields = reader.fields(
    map,
    path,
    ['maxAttempts', 'delayMinutes', 'usesExponentialBackoff', 'uniqueRequestIdField'],
    'retryConfig',
  );
  const config: RetryConfig = {
    maxAttempts: fields.number('maxAttempts', { min: 0, max: 10, integer: true }) ?? 0,
    delayMinutes: fields.number('delayMinutes', { min: 0, max: 60, integer: true }) ?? 0,
    usesExponentialBackoff: fields.boolean('usesExponentialBackoff') ?? false,
  };
  if (fields.has('uniqueRequestIdField') && !isNullScalar(fields.node('uniqueRequestIdField'))) {
    const input = readInput(
      reader,
      fields.node('uniqueRequestIdField'),
      fields.pathOf('uniqueRequestIdField'),
      0,
    );
    if (input) config.uniqueRequestIdField = input;
  }
  keepExtraFields(config, fields);
  return config;
}

function readQueueConfig(reader: YamlReader, flowFields: Fields): QueueConfig | undefined {
  if (!flowFields.has('queueConfig') || isNullScalar(flowFields.node('queueConfig'))) return undefined;
  const path = flowFields.pathOf('queueConfig');
  const map = reader.map(flowFields.node('queueConfig'), path, 'queueConfig');
  if (!map) return undefined;
  const fields = reader.fields(
    map,
    path,
    ['usesFifoQueue', 'singletonExecutions', 'concurrencyLimit', 'dedupeIdField'],
    'queueConfig',
  );
  const config: QueueConfig = { usesFifoQueue: fields.boolean('usesFifoQueue') ?? false };
  setIfDefined(config, 'singletonExecutions', fields.boolean('singletonExecutions'));
  setIfDefined(
    config,
    'concurrencyLimit',
    fields.number('concurrencyLimit', { min: 1, max: 1000, integer: true }),
  );
  if (fields.has('dedupeIdField') && !isNullScalar(fields.node('dedupeIdField'))) {
    const input = readInput(reader, fields.node('dedupeIdField'), fields.pathOf('dedupeIdField'), 0);
    if (input) config.dedupeIdField = input;
  }
  keepExtraFields(config, fields);
  return config;
}

function readStep(
  reader: YamlReader,
  node: Node | null,
  path: string,
  depth: number,
  isFirst: boolean,
): { step: Step; schedule?: Schedule } | null {
  const map = reader.map(node, path, 'a step');
  if (!map) return null;
  const fields = reader.fields(map, path, stepFields, 'a step');
  const hasName = fields.require('name', "name: 'List Files'");
  const hasAction = fields.require(
    'action',
    '{key: httpGet, component: {key: http, version: LATEST, isPublic: true}}',
  );
  const name = fields.string('name') ?? '';
  const isTrigger = fields.boolean('isTrigger');
  if (isTrigger === true && !isFirst) {
    reader.report(
      'FLOW_TRIGGER_MISSING',
      fields.node('isTrigger'),
      fields.pathOf('isTrigger'),
      `step '${name}' is marked isTrigger but is not its flow's first step; a flow has one trigger and it comes first`,
    );
  }
  if (isTrigger === false && isFirst) {
    reader.report(
      'FLOW_TRIGGER_MISSING',
      fields.node('isTrigger'),
      fields.pathOf('isTrigger'),
      `step '${name}' is its flow's first step, so it must be the trigger (isTrigger: true)`,
    );
  }
  const action = hasAction ? readActionRef(reader, fields.node('action'), fields.pathOf('action')) : null;
  const inputs: Step['inputs'] = {};
  for (const entry of fields.entries('inputs')) {
    const input = readInput(reader, entry.node, entry.path, 0);
    if (input) setOwn(inputs, entry.key, input);
  }
  let schedule: Schedule | undefined;
  if (fields.has('schedule') && !isNullScalar(fields.node('schedule'))) {
    if (!isFirst) {
      reader.report(
        'VALUE_NOT_ALLOWED',
        fields.node('schedule'),
        fields.pathOf('schedule'),
        `step '${name}' has a schedule, but only a flow's trigger step (its first step) can have one`,
      );
    } else {
      schedule = readSchedule(reader, fields.node('schedule'), fields.pathOf('schedule'));
    }
  }
  const step: Step = { name, key: stepKey(name), action: action ?? emptyAction(), inputs };
  setIfDefined(step, 'stableKey', fields.string('stableKey'));
  setIfDefined(step, 'description', fields.string('description'));
  const errorConfig = readErrorConfig(reader, fields);
  if (errorConfig) step.errorConfig = errorConfig;
  keepExtraFields(step, fields);

  const nestsChildren = fields.has('steps') || fields.has('branches');
  if (nestsChildren && depth >= MAX_STEP_DEPTH) {
    reader.report(
      'VALUE_NOT_ALLOWED',
      map,
      path,
      `loops and branches nest deeper than ${MAX_STEP_DEPTH} levels`,
    );
    return null;
  }
  if (fields.has('steps') && !isNullScalar(fields.node('steps'))) {
    const children = fields
      .list('steps')
      .map((entry) => readStep(reader, entry.node, entry.path, depth + 1, false));
    step.steps = children.filter((child) => child !== null).map((child) => child.step);
  }
  if (fields.has('branches') && !isNullScalar(fields.node('branches'))) {
    step.branches = fields
      .list('branches')
      .map((entry) => readBranch(reader, entry.node, entry.path, depth + 1))
      .filter((branch): branch is Branch => branch !== null);
  }
  if (!hasName || !action) return null;
  return schedule ? { step, schedule } : { step };
}

function emptyAction(): ActionRef {
  return { key: '', component: { key: '', isPublic: true } };
}

function readBranch(reader: YamlReader, node: Node | null, path: string, depth: number): Branch | null {
  const map = reader.map(node, path, 'a branch');
  if (!map) return null;
  const fields = reader.fields(map, path, ['name', 'steps'], 'a branch');
  if (!fields.require('name', "name: 'Else'")) return null;
  const steps = fields
    .list('steps')
    .map((entry) => readStep(reader, entry.node, entry.path, depth, false))
    .filter((child) => child !== null)
    .map((child) => child.step);
  const branch: Branch = { name: fields.string('name') ?? '', steps };
  keepExtraFields(branch, fields);
  return branch;
}

function readActionRef(
  reader: YamlReader,
  node: Node | null,
  path: string,
  what = 'an action',
): (ActionRef & { template?: string }) | null {
  const map = reader.map(node, path, what);
  if (!map) return null;
  // Only a connection reference has a template (the connection's display template); an action has none.
  const allowed = what === 'a connection' ? ['key', 'component', 'template'] : ['key', 'component'];
  const fields = reader.fields(map, path, allowed, what);
  const hasKey = fields.require('key', 'key: httpGet');
  const hasComponent = fields.require('component', '{key: http, version: LATEST, isPublic: true}');
  const component = hasComponent
    ? readComponentRef(reader, fields.node('component'), fields.pathOf('component'))
    : null;
  const key = fields.string('key');
  if (!hasKey || !component || key === undefined) return null;
  const template = fields.string('template');
  const ref: ActionRef & { template?: string } =
    template === undefined ? { key, component } : { key, component, template };
  keepExtraFields(ref, fields);
  return ref;
}

function readComponentRef(reader: YamlReader, node: Node | null, path: string): ComponentRef | null {
  const map = reader.map(node, path, 'a component reference');
  if (!map) return null;
  const fields = reader.fields(
    map,
    path,
    ['key', 'version', 'isPublic', 'signature'],
    'a component reference',
  );
  if (!fields.require('key', 'key: http')) return null;
  let version: ComponentRef['version'];
  const versionNode = fields.node('version');
  if (fields.has('version') && !isNullScalar(versionNode)) {
    version =
      isScalar(versionNode) && versionNode.value === 'LATEST'
        ? 'LATEST'
        : fields.number('version', { min: 1, integer: true });
  }
  const signature = fields.string('signature');
  // Fields in the order export writes them, so a parsed reference and an exported one look alike.
  const isPublic = fields.boolean('isPublic') ?? true;
  const key = fields.string('key') ?? '';
  const ref: ComponentRef =
    signature === undefined
      ? { key, version: version ?? 'LATEST', isPublic }
      : version === undefined
        ? { key, signature, isPublic }
        : { key, version, signature, isPublic };
  keepExtraFields(ref, fields);
  return ref;
}

function readSchedule(reader: YamlReader, node: Node | null, path: string): Schedule | undefined {
  const map = reader.map(node, path, 'a schedule');
  if (!map) return undefined;
  const fields = reader.fields(map, path, ['type', 'value', 'meta'], 'a schedule');
  fields.require('value', "value: '*/15 * * * *'");
  const schedule: Schedule = {
    type: fields.oneOf('type', ['value', 'configVar'] as const) ?? 'value',
    value: fields.string('value') ?? '',
  };
  if (fields.has('meta') && !isNullScalar(fields.node('meta'))) {
    const metaMap = reader.map(fields.node('meta'), fields.pathOf('meta'), 'schedule meta');
    if (metaMap) {
      const meta = reader.fields(
        metaMap,
        fields.pathOf('meta'),
        ['scheduleType', 'timeZone'],
        'schedule meta',
      );
      setIfDefined(schedule, 'scheduleType', meta.string('scheduleType'));
      setIfDefined(schedule, 'timeZone', meta.string('timeZone'));
      const metaExtra = meta.extraFields();
      if (metaExtra) schedule.metaExtraFields = metaExtra;
    }
  }
  keepExtraFields(schedule, fields);
  return schedule;
}

function readErrorConfig(reader: YamlReader, stepFields: Fields): ErrorConfig | undefined {
  if (!stepFields.has('errorConfig') || isNullScalar(stepFields.node('errorConfig'))) return undefined;
  const path = stepFields.pathOf('errorConfig');
  const map = reader.map(stepFields.node('errorConfig'), path, 'errorConfig');
  if (!map) return undefined;
  const fields = reader.fields(
    map,
    path,
    ['errorHandlerType', 'maxAttempts', 'delaySeconds', 'usesExponentialBackoff', 'ignoreFinalError'],
    'errorConfig',
  );
  fields.require('errorHandlerType', 'errorHandlerType: retry');
  const config: ErrorConfig = {
    errorHandlerType: fields.oneOf('errorHandlerType', errorHandlerTypes) ?? 'fail',
  };
  setIfDefined(config, 'maxAttempts', fields.number('maxAttempts', { min: 0, max: 100, integer: true }));
  setIfDefined(config, 'delaySeconds', fields.number('delaySeconds', { min: 0, max: 3600 }));
  setIfDefined(config, 'usesExponentialBackoff', fields.boolean('usesExponentialBackoff'));
  setIfDefined(config, 'ignoreFinalError', fields.boolean('ignoreFinalError'));
  if (config.errorHandlerType === 'retry' && config.maxAttempts === undefined) {
    reader.report(
      'FIELD_REQUIRED',
      map,
      fields.pathOf('maxAttempts'),
      "errorConfig with errorHandlerType 'retry' needs maxAttempts (how many times to try, for example 3)",
    );
  }
  keepExtraFields(config, fields);
  return config;
}

/** `{type, value}`; complex values hold lists of inputs or condition expressions. */
export function readInput(reader: YamlReader, node: Node | null, path: string, depth: number): Input | null {
  const map = reader.map(node, path, 'an input');
  if (!map) return null;
  const fields = reader.fields(map, path, ['type', 'value', 'name', 'meta'], 'an input');
  if (!fields.require('type', 'type: value')) return null;
  const type = fields.oneOf('type', inputTypes);
  if (type === undefined) return null;
  let input: Input | null;
  if (type === 'value') {
    input = { type, value: fields.has('value') ? (fields.json('value') ?? null) : '' };
  } else if (type === 'complex') {
    const value = readComplexValue(reader, fields.node('value'), fields.pathOf('value'), depth);
    input = value === null ? null : { type, value };
  } else if (fields.has('value') && isNullScalar(fields.node('value'))) {
    // `value:` with nothing, as exports write optional inputs left empty: the same as an empty value ("not set").
    input = { type, value: '' };
  } else {
    const value = fields.require(
      'value',
      type === 'reference' ? 'value: listFiles.results' : "value: 'My Config Var'",
    )
      ? fields.string('value')
      : undefined;
    input = value === undefined ? null : { type, value };
  }
  if (!input) return null;
  if (fields.has('name') && !isNullScalar(fields.node('name'))) {
    const nameNode = fields.node('name');
    if (isMap(nameNode)) {
      const name =
        depth < MAX_STEP_DEPTH ? readInput(reader, nameNode, fields.pathOf('name'), depth + 1) : null;
      if (name) input.name = name;
    } else {
      const name = fields.string('name');
      if (name !== undefined) input.name = name;
    }
  }
  const meta = fields.json('meta');
  if (meta && typeof meta === 'object' && !Array.isArray(meta)) input.meta = meta;
  keepExtraFields(input, fields);
  return input;
}

function readComplexValue(
  reader: YamlReader,
  node: Node | null,
  path: string,
  depth: number,
): ComplexValue | null {
  if (node === null || isNullScalar(node)) return [];
  if (isScalar(node)) return typeof node.value === 'string' ? node.value : String(node.value);
  if (!isSeq(node)) {
    reader.report(
      'FIELD_TYPE',
      node,
      path,
      `a complex input's value must be a list (of inputs or a condition), not ${describe(node)}`,
    );
    return null;
  }
  if (depth > MAX_STEP_DEPTH) {
    reader.report(
      'VALUE_NOT_ALLOWED',
      node,
      path,
      `the complex input nests deeper than ${MAX_STEP_DEPTH} levels`,
    );
    return null;
  }
  const first = reader.resolve(node.items[0]);
  // A list whose first item is a word is a condition expression: [operator, ...operands].
  if (isScalar(first) && typeof first.value === 'string') return readExpression(reader, node, path, depth);
  const items: Array<Input | ConditionExpression> = [];
  node.items.forEach((item, index) => {
    const itemPath = `${path}[${index}]`;
    const resolved = reader.resolve(item);
    reader.remember(itemPath, resolved);
    if (isSeq(resolved)) {
      const expression = readExpression(reader, resolved, itemPath, depth + 1);
      if (expression) items.push(expression);
      return;
    }
    const input = readInput(reader, resolved, itemPath, depth + 1);
    if (input) items.push(input);
  });
  return items;
}

function readExpression(
  reader: YamlReader,
  node: Node,
  path: string,
  depth: number,
): ConditionExpression | null {
  if (!isSeq(node) || depth > MAX_STEP_DEPTH) {
    reader.report('CONDITION_INVALID', node, path, 'a condition must be a list [operator, operand, ...]');
    return null;
  }
  const [operatorNode, ...operandNodes] = node.items.map((item) => reader.resolve(item));
  if (!isScalar(operatorNode) || typeof operatorNode.value !== 'string') {
    reader.report(
      'CONDITION_INVALID',
      operatorNode ?? node,
      path,
      'a condition must start with its operator (for example equal)',
    );
    return null;
  }
  const expression: ConditionExpression = [operatorNode.value];
  reader.remember(`${path}[0]`, operatorNode);
  for (const [index, operand] of operandNodes.entries()) {
    const operandPath = `${path}[${index + 1}]`;
    reader.remember(operandPath, operand);
    if (isSeq(operand)) {
      const nested = readExpression(reader, operand, operandPath, depth + 1);
      if (nested) expression.push(nested);
    } else {
      const input = readInput(reader, operand, operandPath, depth + 1);
      if (input) expression.push(input);
    }
  }
  return expression;
}

function readConfigVar(reader: YamlReader, node: Node | null, path: string): ConfigVar | null {
  const map = reader.map(node, path, 'a config variable');
  if (!map) return null;
  const fields = reader.fields(map, path, configVarFields, 'a config variable');
  const hasKey = fields.require('key', "key: 'Acme API Base URL'");
  const useScoped = fields.string('useScopedConfigVar');
  const dataType =
    fields.has('dataType') || useScoped === undefined
      ? fields.require('dataType', 'dataType: string')
        ? fields.oneOf('dataType', configVarDataTypes)
        : undefined
      : 'connection';
  if (!hasKey || dataType === undefined) return null;
  const configVar: ConfigVar = {
    key: fields.string('key') ?? '',
    stableKey: fields.string('stableKey') ?? '',
    dataType,
    orgOnly: fields.boolean('orgOnly') ?? false,
  };
  setIfDefined(configVar, 'description', fields.string('description'));
  if (fields.has('defaultValue') && !isNullScalar(fields.node('defaultValue'))) {
    const value = fields.json('defaultValue');
    configVar.defaultValue = typeof value === 'string' ? value : JSON.stringify(value);
  }
  setIfDefined(configVar, 'pickList', fields.strings('pickList'));
  setIfDefined(configVar, 'scheduleType', fields.string('scheduleType'));
  setIfDefined(configVar, 'timeZone', fields.string('timeZone'));
  setIfDefined(configVar, 'codeLanguage', fields.oneOf('codeLanguage', codeLanguages));
  setIfDefined(configVar, 'collectionType', fields.oneOf('collectionType', collectionTypes));
  setIfDefined(configVar, 'useScopedConfigVar', useScoped);
  setIfDefined(configVar, 'onPremiseConnectionConfig', fields.string('onPremiseConnectionConfig'));
  for (const name of ['connection', 'dataSource'] as const) {
    if (!fields.has(name) || isNullScalar(fields.node(name))) continue;
    const ref = readActionRef(
      reader,
      fields.node(name),
      fields.pathOf(name),
      name === 'connection' ? 'a connection' : 'a data source',
    );
    if (ref) configVar[name] = ref;
  }
  const inputs: NonNullable<ConfigVar['inputs']> = {};
  for (const entry of fields.entries('inputs')) {
    const input = readInput(reader, entry.node, entry.path, 0);
    if (input) setOwn(inputs, entry.key, input);
  }
  if (fields.has('inputs')) configVar.inputs = inputs;
  const meta = fields.json('meta');
  if (meta && typeof meta === 'object' && !Array.isArray(meta))
    configVar.meta = meta as { [key: string]: JsonValue };
  keepExtraFields(configVar, fields);
  return configVar;
}

function readConfigPage(reader: YamlReader, node: Node | null, path: string): ConfigPage | null {
  const map = reader.map(node, path, 'a config page');
  if (!map) return null;
  const fields = reader.fields(
    map,
    path,
    ['name', 'tagline', 'userLevelConfigured', 'elements'],
    'a config page',
  );
  if (!fields.require('name', "name: 'Connections'")) return null;
  const page: ConfigPage = {
    name: fields.string('name') ?? '',
    userLevelConfigured: fields.boolean('userLevelConfigured') ?? false,
    elements: [],
  };
  setIfDefined(page, 'tagline', fields.string('tagline'));
  for (const entry of fields.list('elements')) {
    const elementMap = reader.map(entry.node, entry.path, 'a config page element');
    if (!elementMap) continue;
    const element = reader.fields(elementMap, entry.path, ['type', 'value'], 'a config page element');
    const hasType = element.require('type', 'type: configVar');
    const hasValue = element.require('value', "value: 'Acme API Key'");
    const type = element.oneOf('type', configPageElementTypes);
    const value = element.string('value');
    if (hasType && hasValue && type !== undefined && value !== undefined) {
      const pageElement: ConfigPageElement = { type, value };
      keepExtraFields(pageElement, element);
      page.elements.push(pageElement);
    }
  }
  keepExtraFields(page, fields);
  return page;
}
