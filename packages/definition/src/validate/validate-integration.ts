import type { CatalogComponent, CatalogInput, CatalogOperation, ComponentCatalog } from '../catalog.js';
import { conditionOperators, operatorArity } from '../conditions.js';
import {
  type ComponentRef,
  type ConditionExpression,
  type ConfigVar,
  type Flow,
  type Input,
  type Integration,
  isConditionExpression,
  isUnsetInput,
  type Step,
} from '../model.js';
import type { DefinitionProblemCode } from '../problems.js';
import { cronProblem, isValidTimeZone } from '../schedule-checks.js';
import { legacyStepKey, stepKey } from '../step-key.js';
import { closestMatch, didYouMean } from '../suggest.js';
import { joinPath } from '../yaml/yaml-reader.js';

export interface ValidationTarget {
  catalog?: ComponentCatalog;
  /** Receives each problem with the path of the field it is about (`flows[0].steps[1].inputs.url`). */
  report: (
    code: DefinitionProblemCode,
    path: string,
    message: string,
    severity?: 'error' | 'warning',
  ) => void;
  /** False once the reporter only counts problems: costly suggestions are skipped then. */
  describesProblems?: () => boolean;
  /** Where a field is in the source, to order things by where they appear (document order when absent). */
  locate?: (path: string) => { line: number; column: number };
}

/** A step with where it sits: its path and the loops and branches around it. */
interface PlacedStep {
  step: Step;
  path: string;
  /** Position in execution order (containers before their children). */
  order: number;
  /** Enclosing containers, outermost first. */
  containers: Array<{ key: string; kind: 'loop' | 'branch'; branch?: string }>;
  isTrigger: boolean;
}

/**
 * The checks that need the whole definition: names are unique, references point to steps that have run and are in
 * scope, config variables exist, components and actions exist in the catalog with the inputs they need, schedules
 * and time zones are valid.
 */
export function validateIntegration(integration: Integration, target: ValidationTarget): void {
  const { report } = target;
  const components = missingComponentCollector(target);
  const configVarsByKey = new Map(integration.configVars.map((configVar) => [configVar.key, configVar]));

  const named = <T>(items: T[], list: string, field: keyof T & string) =>
    items.map((item, index) => ({ name: String(item[field]), path: `${list}[${index}].${field}` }));
  checkUnique(named(integration.flows, 'flows', 'name'), 'flow', report);
  checkUnique(named(integration.flows, 'flows', 'stableKey'), 'flow stable key', report);
  checkUnique(named(integration.configVars, 'requiredConfigVars', 'key'), 'config variable', report);
  checkUnique(
    named(integration.configVars, 'requiredConfigVars', 'stableKey'),
    'config variable stable key',
    report,
  );
  checkUnique(named(integration.configPages, 'configPages', 'name'), 'config page', report);

  const checkConfigVarName = (name: string, path: string, context: string): ConfigVar | undefined => {
    const configVar = configVarsByKey.get(name);
    if (configVar) return configVar;
    report(
      'CONFIG_VAR_UNKNOWN',
      path,
      `${context} names config variable '${name}', which the integration does not declare${
        didYouMean(name, configVarsByKey.keys()) ?? ' (declare it under requiredConfigVars)'
      }`,
    );
    return undefined;
  };

  integration.configVars.forEach((configVar, index) => {
    validateConfigVar(configVar, `requiredConfigVars[${index}]`, target, checkConfigVarName, components.find);
  });

  const placedOnPage = new Map<string, string>();
  integration.configPages.forEach((page, pageIndex) => {
    page.elements.forEach((element, elementIndex) => {
      if (element.type !== 'configVar') return;
      const path = `configPages[${pageIndex}].elements[${elementIndex}].value`;
      if (!checkConfigVarName(element.value, path, `config page '${page.name}'`)) return;
      const other = placedOnPage.get(element.value);
      if (other !== undefined) {
        report(
          'NAME_DUPLICATE',
          path,
          `config variable '${element.value}' is already on config page '${other}'; a variable appears on one page only`,
        );
      }
      placedOnPage.set(element.value, page.name);
    });
  });

  // These fields point into the request, or into the preprocess flow's results: only a step named by its old
  // key is rewritten (there is no step order to check against).
  const preprocessFlow = integration.flows.find((flow) => flow.name === integration.preprocessFlowName);
  const preprocessKeys = preprocessFlow ? stepKeysOf(placeSteps(preprocessFlow, '')) : undefined;
  for (const name of ['externalCustomerIdField', 'externalCustomerUserIdField', 'flowNameField'] as const) {
    const input = integration[name];
    if (!input) continue;
    const rewrite: ReferenceCheck = (reference, path) =>
      preprocessKeys ? legacyReference(reference, path, preprocessKeys, report)?.rewritten : undefined;
    checkInputNames(input, name, 'the integration', rewrite, checkConfigVarName, report);
  }
  checkEndpointRouting(integration, report);
  if (
    integration.preprocessFlowName !== undefined &&
    !integration.flows.some((flow) => flow.name === integration.preprocessFlowName)
  ) {
    report(
      'VALUE_NOT_ALLOWED',
      'preprocessFlowName',
      `preprocessFlowName names flow '${integration.preprocessFlowName}', which the integration does not have${
        didYouMean(
          integration.preprocessFlowName,
          integration.flows.map((flow) => flow.name),
        ) ?? ''
      }`,
    );
  }

  integration.flows.forEach((flow, index) => {
    validateFlow(flow, `flows[${index}]`, target, configVarsByKey, checkConfigVarName, components.find);
  });
  components.reportMissing();
}

/** A routing field that says where to look: given, and not left empty as exports leave unused fields. */
function routingFieldGiven(input: Input | undefined): boolean {
  if (input === undefined || isUnsetInput(input)) return false;
  return !(input.type === 'value' && (input.value === '' || input.value === null));
}

/** Flows a request to a shared or instance endpoint can be routed to: not the preprocess flow, not lifecycle or schedule flows. */
function routableFlows(integration: Integration): Flow[] {
  const unroutable = new Set(['management-triggers', 'schedule-triggers']);
  return integration.flows.filter(
    (flow) =>
      flow.name !== integration.preprocessFlowName && !unroutable.has(flow.trigger.action.component.key),
  );
}

/**
 * Instance-specific and shared endpoints route each request: to a customer's instance (shared: by
 * externalCustomerIdField) and to a flow (by flowNameField). A preprocess flow can decide both; an integration
 * with one routable flow needs no flow name (seed: "Flow name is not required for single-flow integrations").
 */
function checkEndpointRouting(integration: Integration, report: ValidationTarget['report']): void {
  const { endpointType } = integration;
  if (endpointType === 'flow_specific' || integration.preprocessFlowName) return;
  if (endpointType === 'shared_instance' && !routingFieldGiven(integration.externalCustomerIdField)) {
    report(
      'FIELD_REQUIRED',
      'endpointType',
      "endpointType 'shared_instance' gives every customer one URL, so the integration needs externalCustomerIdField (where the request carries the customer's external id, such as headers.x-customer-id) or preprocessFlowName (a flow that answers it)",
    );
  }
  const flows = routableFlows(integration);
  if (flows.length <= 1 || routingFieldGiven(integration.flowNameField)) return;
  const names = flows.map((flow) => `'${flow.name}'`).join(', ');
  if (endpointType === 'shared_instance') {
    report(
      'FIELD_REQUIRED',
      'endpointType',
      `endpointType 'shared_instance' routes each request to one of the flows ${names}, so the integration needs flowNameField (where the request names the flow, such as headers.x-flow) or preprocessFlowName (a flow that answers it)`,
    );
  } else {
    report(
      'FIELD_REQUIRED',
      'endpointType',
      `endpointType 'instance_specific' with flows ${names} and no flowNameField or preprocessFlowName: each request must name its flow in the first path segment after the token (/trigger/<token>/<Flow Name>)`,
      'warning',
    );
  }
}

/** Looks a component up in the catalog, noting who asked for one it lacks. */
type ComponentFinder = (ref: ComponentRef, refPath: string, user: string) => CatalogComponent | undefined;

/**
 * A component the catalog lacks is reported once, however many steps and config variables use it: what it is, who
 * uses it, where it is first used, and how to make it available.
 */
function missingComponentCollector({ catalog, report, locate }: ValidationTarget): {
  find: ComponentFinder;
  reportMissing: () => void;
} {
  const missing = new Map<string, Array<{ user: string; path: string; version: string }>>();
  const find: ComponentFinder = (ref, refPath, user) => {
    const component = catalog?.get(ref.key);
    if (component || !catalog) return component;
    const uses = missing.get(ref.key) ?? [];
    uses.push({
      user,
      path: joinPath(joinPath(refPath, 'component'), 'key'),
      version: String(ref.version ?? (ref.signature ? `signature ${ref.signature}` : 'LATEST')),
    });
    missing.set(ref.key, uses);
    return undefined;
  };
  const reportMissing = () => {
    if (!catalog) return;
    for (const [key, uses] of missing) {
      // In the order they appear in the text, so the problem points at the first use.
      if (locate) {
        const positioned = uses.map((use) => ({ use, at: locate(use.path) }));
        positioned.sort((a, b) => a.at.line - b.at.line || a.at.column - b.at.column);
        uses.splice(0, uses.length, ...positioned.map(({ use }) => use));
      }
      const users = uses.map((use) => use.user);
      const versions = [...new Set(uses.map((use) => use.version))];
      const path = uses[0]?.path ?? '';
      const shown = users.length > 8 ? [...users.slice(0, 8), `${users.length - 8} more`] : users;
      const usedBy =
        shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1) ?? ''}`;
      const hint = didYouMean(key, catalog.keys());
      const what = `component '${key}' (${versions.length === 1 ? 'version' : 'versions'} ${versions.join(', ')})`;
      report(
        'COMPONENT_UNKNOWN',
        path,
        hint
          ? `${what} is not on this server${hint} It is used by ${usedBy}. If the key is right, publish the component (\`weft components:publish\`) — see docs/components.md`
          : `${what} is not on this server; it is used by ${usedBy}. Publish it (\`weft components:publish\`), or, for a Prismatic open-source connector, build it from its source folder and publish it — see docs/components.md`,
      );
    }
  };
  return { find, reportMissing };
}

type ConfigVarCheck = (name: string, path: string, context: string) => ConfigVar | undefined;

function checkUnique(
  items: Array<{ name: string; path: string }>,
  what: string,
  report: ValidationTarget['report'],
  keyOf: (name: string) => string = (name) => name,
): void {
  const seen = new Map<string, string>();
  for (const item of items) {
    const key = keyOf(item.name);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, item.name);
      continue;
    }
    const sameText = first === item.name;
    report(
      'NAME_DUPLICATE',
      item.path,
      sameText
        ? `${what} '${item.name}' is defined twice; names must be unique`
        : `${what} '${item.name}' has the same key '${key}' as '${first}'; rename one of them`,
    );
  }
}

function validateConfigVar(
  configVar: ConfigVar,
  path: string,
  { report, catalog }: ValidationTarget,
  checkConfigVarName: ConfigVarCheck,
  findComponent: ComponentFinder,
): void {
  const name = `config variable '${configVar.key}'`;
  const { dataType, defaultValue } = configVar;
  // A data source lists a picklist's choices at configuration time, so only a static picklist needs pickList.
  if (dataType === 'picklist' && !configVar.dataSource) {
    if (!configVar.pickList || configVar.pickList.length === 0) {
      report(
        'FIELD_REQUIRED',
        joinPath(path, 'dataType'),
        `${name} is a picklist but has no pickList of choices`,
      );
    } else if (defaultValue && !configVar.pickList.includes(defaultValue)) {
      report(
        'VALUE_NOT_ALLOWED',
        joinPath(path, 'defaultValue'),
        `${name} defaults to '${defaultValue}', which is not in its pickList (${configVar.pickList.join(', ')})`,
      );
    }
  }
  if (dataType === 'number' && defaultValue && !Number.isFinite(Number(defaultValue))) {
    report(
      'VALUE_NOT_ALLOWED',
      joinPath(path, 'defaultValue'),
      `${name} is a number but defaults to '${defaultValue}'`,
    );
  }
  if (dataType === 'boolean' && defaultValue && defaultValue !== 'true' && defaultValue !== 'false') {
    report(
      'VALUE_NOT_ALLOWED',
      joinPath(path, 'defaultValue'),
      `${name} is a boolean but defaults to '${defaultValue}'; use true or false`,
    );
  }
  if (dataType === 'schedule' && defaultValue) {
    const problem = cronProblem(defaultValue);
    if (problem)
      report(
        'CRON_INVALID',
        joinPath(path, 'defaultValue'),
        `${name} defaults to an invalid schedule: ${problem}`,
      );
  }
  if (configVar.timeZone && !isValidTimeZone(configVar.timeZone)) {
    report('TIMEZONE_INVALID', joinPath(path, 'timeZone'), timeZoneMessage(configVar.timeZone, name));
  }
  if (dataType === 'connection' && !configVar.connection && !configVar.useScopedConfigVar) {
    report(
      'FIELD_REQUIRED',
      joinPath(path, 'dataType'),
      `${name} is a connection but names no connection ({key, component}) and no useScopedConfigVar`,
    );
  }
  if (catalog) {
    for (const kind of ['connection', 'dataSource'] as const) {
      const ref = configVar[kind];
      if (!ref) continue;
      const component = findComponent(ref.component, joinPath(path, kind), name);
      const operations = kind === 'connection' ? component?.connections : component?.dataSources;
      // A component that declares no connections (or data sources) yet is not checked for them.
      if (component && operations && Object.keys(operations).length > 0 && !operations[ref.key]) {
        report(
          'ACTION_UNKNOWN',
          joinPath(joinPath(path, kind), 'key'),
          `component '${component.key}' has no ${kind === 'connection' ? 'connection' : 'data source'} '${ref.key}'${
            didYouMean(ref.key, Object.keys(operations)) ?? listText(Object.keys(operations))
          }`,
        );
      }
    }
  }
  for (const [inputName, input] of Object.entries(configVar.inputs ?? {})) {
    checkInputNames(
      input,
      joinPath(joinPath(path, 'inputs'), inputName),
      name,
      () => undefined,
      checkConfigVarName,
      report,
    );
  }
}

function timeZoneMessage(timeZone: string, owner: string): string {
  const zones = Intl.supportedValuesOf('timeZone');
  return `${owner} uses time zone '${timeZone}', which is not an IANA time zone name${
    didYouMean(timeZone, zones) ?? ' (for example America/Chicago or Europe/Paris)'
  }`;
}

function listText(names: string[]): string {
  return names.length > 0
    ? ` (it has: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''})`
    : '';
}

function validateFlow(
  flow: Flow,
  path: string,
  target: ValidationTarget,
  configVarsByKey: Map<string, ConfigVar>,
  checkConfigVarName: ConfigVarCheck,
  findComponent: ComponentFinder,
): void {
  const { report } = target;
  const placed = placeSteps(flow, path);
  checkUnique(
    placed.map((entry) => ({ name: entry.step.name, path: joinPath(entry.path, 'name') })),
    `step of flow '${flow.name}'`,
    report,
    stepKey,
  );
  const keys = stepKeysOf(placed);

  if (flow.schedule) {
    const schedulePath = joinPath(placed[0]?.path ?? path, 'schedule');
    const { schedule } = flow;
    if (schedule.value === '') {
      // An empty schedule (exports write `value: ""` with scheduleType `once`) is no schedule: nothing to check.
    } else if (schedule.type === 'value') {
      const problem = cronProblem(schedule.value);
      if (problem)
        report(
          'CRON_INVALID',
          joinPath(schedulePath, 'value'),
          `the schedule of flow '${flow.name}' is invalid: ${problem}`,
        );
    } else {
      const configVar = checkConfigVarName(
        schedule.value,
        joinPath(schedulePath, 'value'),
        `the schedule of flow '${flow.name}'`,
      );
      if (configVar && configVar.dataType !== 'schedule') {
        report(
          'CONFIG_VAR_WRONG_TYPE',
          joinPath(schedulePath, 'value'),
          `the schedule of flow '${flow.name}' uses config variable '${configVar.key}', which is a ${configVar.dataType}, not a schedule`,
        );
      }
    }
    if (schedule.timeZone && !isValidTimeZone(schedule.timeZone)) {
      report(
        'TIMEZONE_INVALID',
        joinPath(joinPath(schedulePath, 'meta'), 'timeZone'),
        timeZoneMessage(schedule.timeZone, `flow '${flow.name}'`),
      );
    }
  }
  const queue = flow.queueConfig;
  if (queue) {
    const queuePath = joinPath(path, 'queueConfig');
    if (flow.schedule && queue.usesFifoQueue) {
      report(
        'FLOW_CONFIG_INVALID',
        queuePath,
        `flow '${flow.name}' has a schedule and usesFifoQueue; FIFO queues are for webhook flows`,
      );
    }
    if (!flow.schedule && queue.singletonExecutions) {
      report(
        'FLOW_CONFIG_INVALID',
        queuePath,
        `flow '${flow.name}' sets singletonExecutions but has no schedule; singleton applies to scheduled flows`,
      );
    }
    if (queue.usesFifoQueue && queue.singletonExecutions) {
      report(
        'FLOW_CONFIG_INVALID',
        queuePath,
        `flow '${flow.name}' sets both usesFifoQueue and singletonExecutions; choose one`,
      );
    }
  }

  if (
    flow.organizationApiKeys &&
    flow.organizationApiKeys.length > 0 &&
    flow.endpointSecurityType !== 'organization'
  ) {
    report(
      'FLOW_CONFIG_INVALID',
      joinPath(path, 'organizationApiKeys'),
      `flow '${flow.name}' lists organizationApiKeys, but its endpointSecurityType is '${flow.endpointSecurityType}'; the keys are used only with endpointSecurityType 'organization'`,
      'warning',
    );
  }
  // The fields that name a request field of the trigger: a step named by its old key is rewritten.
  const flowFieldReferences: ReferenceCheck = (reference, referencePath) =>
    legacyReference(reference, referencePath, keys, report)?.rewritten;
  for (const [config, field] of [
    ['retryConfig', 'uniqueRequestIdField'],
    ['queueConfig', 'dedupeIdField'],
  ] as const) {
    const settings = flow[config] as { [name: string]: Input | undefined } | undefined;
    const input = settings?.[field];
    if (!input) continue;
    checkInputNames(
      input,
      joinPath(joinPath(path, config), field),
      `flow '${flow.name}'`,
      flowFieldReferences,
      checkConfigVarName,
      report,
    );
  }

  for (const entry of placed) {
    const operation = target.catalog ? checkOperation(entry, flow, findComponent, report) : undefined;
    checkStructure(entry, operation, report);
    for (const [inputName, input] of Object.entries(entry.step.inputs)) {
      const inputPath = joinPath(joinPath(entry.path, 'inputs'), inputName);
      checkInputNames(
        input,
        inputPath,
        `step '${entry.step.name}'`,
        (reference, referencePath) =>
          checkReference(reference, referencePath, entry, keys, placed, report, target.describesProblems),
        checkConfigVarName,
        report,
      );
    }
    if (operation) checkInputs(entry, operation, configVarsByKey, report);
    if (operation && entry.isTrigger) checkSynchronousSupport(flow, entry, operation, report);
  }
}

/** A synchronous flow answers its caller with its result: a trigger that declares it cannot do so is refused. */
function checkSynchronousSupport(
  flow: Flow,
  entry: PlacedStep,
  operation: CatalogOperation,
  report: ValidationTarget['report'],
): void {
  if (!flow.isSynchronous || operation.synchronousResponseSupport !== 'invalid') return;
  const { component, key } = entry.step.action;
  report(
    'TRIGGER_NOT_SYNCHRONOUS',
    joinPath(entry.path, 'action'),
    `flow '${flow.name}' is synchronous (isSynchronous: true), but its trigger '${component.key}.${key}' declares synchronousResponseSupport 'invalid': it cannot answer the caller with the flow's result; set isSynchronous: false, or use a trigger that supports synchronous responses`,
  );
}

function placeSteps(flow: Flow, flowPath: string): PlacedStep[] {
  const triggerPath = `${flowPath}.steps[0]`;
  const placed: PlacedStep[] = [
    { step: flow.trigger, path: triggerPath, order: 0, containers: [], isTrigger: true },
  ];
  const visit = (
    steps: Step[],
    pathOf: (index: number) => string,
    containers: PlacedStep['containers'],
  ): void => {
    steps.forEach((step, index) => {
      const path = pathOf(index);
      placed.push({ step, path, order: placed.length, containers, isTrigger: false });
      if (step.steps) {
        visit(step.steps, (childIndex) => `${path}.steps[${childIndex}]`, [
          ...containers,
          { key: step.key, kind: 'loop' },
        ]);
      }
      step.branches?.forEach((branch, branchIndex) => {
        visit(branch.steps, (childIndex) => `${path}.branches[${branchIndex}].steps[${childIndex}]`, [
          ...containers,
          { key: step.key, kind: 'branch', branch: branch.name },
        ]);
      });
    });
  };
  // A trigger that branches (some connectors' webhook triggers) runs one of its branches before the flow's steps.
  flow.trigger.branches?.forEach((branch, branchIndex) => {
    visit(branch.steps, (childIndex) => `${triggerPath}.branches[${branchIndex}].steps[${childIndex}]`, [
      { key: flow.trigger.key, kind: 'branch', branch: branch.name },
    ]);
  });
  visit(flow.steps, (index) => `${flowPath}.steps[${index + 1}]`, []);
  return placed;
}

/** A flow's steps by key, and by the key Weft derived before (lodash's camelCase) where that differs. */
interface StepKeys {
  byKey: Map<string, PlacedStep>;
  byLegacyKey: Map<string, PlacedStep>;
}

function stepKeysOf(placed: PlacedStep[]): StepKeys {
  const byKey = new Map<string, PlacedStep>();
  for (const entry of placed) if (!byKey.has(entry.step.key)) byKey.set(entry.step.key, entry);
  const byLegacyKey = new Map<string, PlacedStep>();
  const ambiguous = new Set<string>();
  for (const entry of placed) {
    const legacy = legacyStepKey(entry.step.name);
    // An old key that is some step's current key means that step; one shared by two steps means neither.
    if (legacy === entry.step.key || byKey.has(legacy) || ambiguous.has(legacy)) continue;
    if (byLegacyKey.has(legacy)) {
      byLegacyKey.delete(legacy);
      ambiguous.add(legacy);
      continue;
    }
    byLegacyKey.set(legacy, entry);
  }
  return { byKey, byLegacyKey };
}

/** The step key a reference starts with, and where it starts (after leading blanks). */
function referenceKey(reference: string): { key: string; start: number } {
  const start = reference.length - reference.trimStart().length;
  const [key = ''] = reference.slice(start).split(/[.[]/, 1);
  return { key, start };
}

/**
 * A reference that names a step by its old key (lodash's camelCase, which Weft used before it derived keys as
 * Prismatic does) is read as naming that step by its current key: a warning, and the reference text to use.
 */
function legacyReference(
  reference: string,
  path: string,
  keys: StepKeys,
  report: ValidationTarget['report'],
): { target: PlacedStep; rewritten: string } | undefined {
  const { key, start } = referenceKey(reference);
  if (keys.byKey.has(key)) return undefined;
  const target = keys.byLegacyKey.get(key);
  if (!target) return undefined;
  const rewritten = reference.slice(0, start) + target.step.key + reference.slice(start + key.length);
  report(
    'REFERENCE_LEGACY_STEP_KEY',
    path,
    `reference '${reference.trim()}' names step '${target.step.name}' by its old key '${key}'; step keys now follow Prismatic's rule, which makes it '${target.step.key}', so the reference is read as '${rewritten.trim()}' — write that instead`,
    'warning',
  );
  return { target, rewritten };
}

/** The action or trigger a step names, after checking the component and key exist. */
function checkOperation(
  entry: PlacedStep,
  flow: Flow,
  findComponent: ComponentFinder,
  report: ValidationTarget['report'],
): CatalogOperation | undefined {
  const { step } = entry;
  const actionPath = joinPath(entry.path, 'action');
  const component = findComponent(
    step.action.component,
    actionPath,
    `step '${step.name}' (flow '${flow.name}')`,
  );
  if (!component) return undefined;
  const { version } = step.action.component;
  if (
    typeof version === 'number' &&
    component.versions &&
    component.versions.length > 0 &&
    !component.versions.includes(version)
  ) {
    report(
      'COMPONENT_UNKNOWN',
      joinPath(joinPath(actionPath, 'component'), 'version'),
      `step '${step.name}' uses version ${version} of component '${component.key}', which does not exist (versions: ${component.versions.join(', ')}, or LATEST)`,
    );
  }
  const own = entry.isTrigger ? component.triggers : component.actions;
  const other = entry.isTrigger ? component.actions : component.triggers;
  const operation = own[step.action.key];
  if (operation) return operation;
  const keyPath = joinPath(actionPath, 'key');
  if (other[step.action.key]) {
    report(
      entry.isTrigger ? 'FLOW_TRIGGER_MISSING' : 'ACTION_UNKNOWN',
      keyPath,
      entry.isTrigger
        ? `step '${step.name}' is its flow's first step, so it must be a trigger, but '${component.key}.${step.action.key}' is an action (for example use webhook-triggers' webhook)`
        : `'${component.key}.${step.action.key}' is a trigger; it can only be a flow's first step`,
    );
    return undefined;
  }
  const what = entry.isTrigger ? 'trigger' : 'action';
  report(
    'ACTION_UNKNOWN',
    keyPath,
    `component '${component.key}' has no ${what} '${step.action.key}'${
      didYouMean(step.action.key, Object.keys(own)) ?? listText(Object.keys(own))
    }`,
  );
  return undefined;
}

/** Loop steps hold `steps`, branch steps hold `branches`, and nothing else does. */
function checkStructure(
  entry: PlacedStep,
  operation: CatalogOperation | undefined,
  report: ValidationTarget['report'],
): void {
  const { step } = entry;
  const ref = `${step.action.component.key}.${step.action.key}`;
  if (operation) {
    if (step.steps && operation.kind !== 'loop') {
      report(
        'VALUE_NOT_ALLOWED',
        joinPath(entry.path, 'steps'),
        `step '${step.name}' (${ref}) is not a loop, so it cannot hold steps`,
      );
    }
    if (step.branches && operation.kind !== 'branch') {
      report(
        'VALUE_NOT_ALLOWED',
        joinPath(entry.path, 'branches'),
        entry.isTrigger
          ? `trigger '${step.name}' (${ref}) does not branch, so it cannot hold branches`
          : `step '${step.name}' (${ref}) is not a branch, so it cannot hold branches`,
      );
    }
    // A trigger that can branch may also be used without branches: the flow's steps follow it.
    if (operation.kind === 'branch' && !entry.isTrigger && (!step.branches || step.branches.length === 0)) {
      report(
        'BRANCH_INVALID',
        entry.path,
        `branch step '${step.name}' has no branches; add at least an 'Else' branch`,
      );
    }
  }
  if (!step.branches) return;
  checkUnique(
    step.branches.map((branch, index) => ({
      name: branch.name,
      path: `${entry.path}.branches[${index}].name`,
    })),
    `branch of step '${step.name}'`,
    report,
  );
  if (operation?.kind !== 'branch') return;
  const names = branchNames(step, operation);
  if (names === undefined) return;
  step.branches.forEach((branch, index) => {
    if (names.includes(branch.name)) return;
    report(
      'BRANCH_INVALID',
      `${entry.path}.branches[${index}].name`,
      `step '${step.name}' has branch '${branch.name}', but its conditions only produce ${names.map((name) => `'${name}'`).join(', ')}${
        didYouMean(branch.name, names) ?? ''
      }`,
    );
  });
}

/** The branch names a branch step can produce: its static names plus the names in its dynamic input. */
function branchNames(step: Step, operation: CatalogOperation): string[] | undefined {
  const names = [...(operation.staticBranchNames ?? [])];
  if (operation.dynamicBranchInput) {
    const input = step.inputs[operation.dynamicBranchInput];
    if (!input) return names;
    if (input.type !== 'complex' || !Array.isArray(input.value)) return undefined;
    for (const item of input.value) {
      if (Array.isArray(item)) continue;
      const name = (item as Input).name;
      if (typeof name === 'string') names.push(name);
      else if (name && name.type === 'value' && typeof name.value === 'string') names.push(name.value);
      else return undefined;
    }
  }
  return names;
}

function checkInputs(
  entry: PlacedStep,
  operation: CatalogOperation,
  configVarsByKey: Map<string, ConfigVar>,
  report: ValidationTarget['report'],
): void {
  const { step } = entry;
  const ref = `${step.action.component.key}.${step.action.key}`;
  const known = new Map(operation.inputs.map((input) => [input.key, input]));
  for (const [name, input] of Object.entries(step.inputs)) {
    const inputPath = joinPath(joinPath(entry.path, 'inputs'), name);
    const definition = known.get(name);
    if (!definition) {
      // A near miss is a typo and an error; any other unknown name is reported but tolerated, because definitions
      // exported elsewhere may carry inputs of newer component versions that the step can run without.
      const hint = didYouMean(name, known.keys());
      report(
        'INPUT_UNKNOWN',
        inputPath,
        hint
          ? `step '${step.name}' gives input '${name}', which ${ref} does not take${hint}`
          : `step '${step.name}' gives input '${name}', which ${ref} does not take; it is ignored${listText([...known.keys()])}`,
        hint ? 'error' : 'warning',
      );
      continue;
    }
    checkLiteral(step, name, input, definition, inputPath, report);
    if (definition.type === 'connection' && input.type === 'configVar') {
      const configVar = configVarsByKey.get(input.value);
      if (configVar && configVar.dataType !== 'connection') {
        report(
          'CONFIG_VAR_WRONG_TYPE',
          inputPath,
          `input '${name}' of step '${step.name}' needs a connection, but config variable '${configVar.key}' is a ${configVar.dataType}`,
        );
      }
    }
  }
  for (const definition of operation.inputs) {
    if (!definition.required || definition.default !== undefined) continue;
    const given = step.inputs[definition.key];
    // An input left empty in any form is not given: `{type: value, value: ""}`, or an empty config variable,
    // reference or template.
    const empty =
      given === undefined ||
      isUnsetInput(given) ||
      (given.type === 'value' && (given.value === '' || given.value === null));
    if (!empty) continue;
    report(
      'INPUT_REQUIRED',
      given ? joinPath(joinPath(entry.path, 'inputs'), definition.key) : joinPath(entry.path, 'name'),
      `step '${step.name}' (${ref}) needs input '${definition.key}'${definition.label ? ` (${definition.label})` : ''}`,
    );
  }
}

/** Literal values are checked against the input's type now rather than failing every execution later. */
function checkLiteral(
  step: Step,
  name: string,
  input: Input,
  definition: CatalogInput,
  path: string,
  report: ValidationTarget['report'],
): void {
  if (input.type !== 'value' || definition.collection) return;
  const { value } = input;
  if (value === '' || value === null) return;
  const text = typeof value === 'string' ? value.trim() : value;
  const prefix = `input '${name}' of step '${step.name}'`;
  if (
    definition.type === 'number' &&
    !(typeof text === 'number' || (typeof text === 'string' && Number.isFinite(Number(text))))
  ) {
    report(
      'INPUT_VALUE_INVALID',
      joinPath(path, 'value'),
      `${prefix} expects a number, got ${JSON.stringify(value)}`,
    );
  }
  if (definition.type === 'boolean' && !(typeof text === 'boolean' || text === 'true' || text === 'false')) {
    report(
      'INPUT_VALUE_INVALID',
      joinPath(path, 'value'),
      `${prefix} expects true or false, got ${JSON.stringify(value)}`,
    );
  }
  if (
    definition.type === 'picklist' &&
    definition.model &&
    definition.model.length > 0 &&
    typeof value === 'string'
  ) {
    const allowed = definition.model.map((option) => option.value);
    if (!allowed.includes(value)) {
      report(
        'INPUT_VALUE_INVALID',
        joinPath(path, 'value'),
        `${prefix} cannot be '${value}'${didYouMean(value, allowed) ?? ` (choose one of: ${allowed.join(', ')})`}`,
      );
    }
  }
}

/**
 * Checks a reference found at `path`; returns the text it must be replaced with (a step named by its old key), or
 * undefined to keep it.
 */
type ReferenceCheck = (reference: string, path: string) => string | undefined;

/**
 * Walks an input (and the inputs inside complex values and conditions), checking every reference and config
 * variable it names. References that name a step by its old key are rewritten in place to the current key. Inputs
 * left empty name nothing.
 */
function checkInputNames(
  input: Input,
  path: string,
  owner: string,
  checkReference: ReferenceCheck,
  checkConfigVarName: ConfigVarCheck,
  report: ValidationTarget['report'],
): void {
  const valuePath = joinPath(path, 'value');
  switch (input.type) {
    case 'reference': {
      if (isUnsetInput(input)) break;
      const rewritten = checkReference(input.value, valuePath);
      if (rewritten !== undefined) input.value = rewritten;
      break;
    }
    case 'configVar':
      if (!isUnsetInput(input)) checkConfigVarName(input.value, valuePath, owner);
      break;
    case 'template': {
      const rewritten = checkTemplate(
        input.value,
        valuePath,
        owner,
        checkReference,
        checkConfigVarName,
        report,
      );
      if (rewritten !== undefined) input.value = rewritten;
      break;
    }
    case 'complex':
      if (isConditionExpression(input.value)) {
        checkExpression(input.value, valuePath, owner, checkReference, checkConfigVarName, report);
      } else if (Array.isArray(input.value)) {
        input.value.forEach((item, index) => {
          const itemPath = `${valuePath}[${index}]`;
          if (Array.isArray(item))
            checkExpression(item, itemPath, owner, checkReference, checkConfigVarName, report);
          else if (typeof item === 'object')
            checkInputNames(item, itemPath, owner, checkReference, checkConfigVarName, report);
        });
      }
      break;
    case 'value':
      break;
  }
  if (input.name && typeof input.name === 'object') {
    checkInputNames(input.name, joinPath(path, 'name'), owner, checkReference, checkConfigVarName, report);
  }
}

function checkExpression(
  expression: ConditionExpression,
  path: string,
  owner: string,
  checkReference: ReferenceCheck,
  checkConfigVarName: ConfigVarCheck,
  report: ValidationTarget['report'],
): void {
  const [operator, ...operands] = expression;
  if (typeof operator !== 'string') return;
  const arity = operatorArity(operator);
  if (arity === undefined) {
    report(
      'CONDITION_INVALID',
      `${path}[0]`,
      `${owner} uses unknown condition operator '${operator}'${
        didYouMean(operator, conditionOperators) ?? ` (operators: ${conditionOperators.join(', ')})`
      }`,
    );
  } else if (arity === 'boolean') {
    if (operands.length === 0 || operands.some((operand) => !Array.isArray(operand))) {
      report(
        'CONDITION_INVALID',
        `${path}[0]`,
        `'${operator}' in ${owner} combines conditions: give it one or more [operator, ...] lists`,
      );
    }
  } else {
    // Exports write unary operators with a second, empty operand ([isEmpty, {reference}, {type: value, value: ""}]):
    // it is ignored.
    const counted =
      arity === 1 && operands.length > 1 && operands.slice(1).every(isEmptyOperand)
        ? operands.slice(0, 1)
        : operands;
    if (counted.length !== arity || counted.some((operand) => Array.isArray(operand))) {
      report(
        'CONDITION_INVALID',
        `${path}[0]`,
        `'${operator}' in ${owner} compares ${arity === 1 ? 'one value' : 'two values'}, but is given ${counted.length} operand${counted.length === 1 ? '' : 's'}${
          arity === 1 && counted.length > 1 ? ' (a second operand is accepted only when it is empty)' : ''
        }`,
      );
    }
  }
  operands.forEach((operand, index) => {
    const operandPath = `${path}[${index + 1}]`;
    if (Array.isArray(operand))
      checkExpression(operand, operandPath, owner, checkReference, checkConfigVarName, report);
    else if (typeof operand === 'object')
      checkInputNames(operand, operandPath, owner, checkReference, checkConfigVarName, report);
  });
}

/** An operand left empty: `{type: value, value: ""}` (or nothing), or an empty reference, config variable or template. */
function isEmptyOperand(operand: string | ConditionExpression | Input): boolean {
  if (typeof operand !== 'object' || Array.isArray(operand)) return false;
  if (operand.type === 'value') return operand.value === '' || operand.value === null;
  return isUnsetInput(operand);
}

const placeholderPattern = /\{\{([\s\S]*?)\}\}/g;

/**
 * `{{$stepKey.results.path}}` refers to a step, `{{#Config Var Name}}` to a config variable. Returns the template
 * with references rewritten where a step was named by its old key, or undefined when nothing changed.
 */
function checkTemplate(
  template: string,
  path: string,
  owner: string,
  checkReference: ReferenceCheck,
  checkConfigVarName: ConfigVarCheck,
  report: ValidationTarget['report'],
): string | undefined {
  const withoutPlaceholders = template.replace(placeholderPattern, '');
  if (withoutPlaceholders.includes('{{')) {
    report('TEMPLATE_INVALID', path, `the template of ${owner} opens '{{' without closing it with '}}'`);
  }
  let changed = false;
  const rewritten = template.replace(placeholderPattern, (whole: string, inner: string) => {
    const body = inner.trim();
    if (body.startsWith('$')) {
      const reference = body.slice(1);
      const replacement = checkReference(reference, path);
      if (replacement === undefined) return whole;
      changed = true;
      return whole.replace(reference, replacement);
    }
    if (body.startsWith('#')) checkConfigVarName(body.slice(1).trim(), path, owner);
    else {
      report(
        'TEMPLATE_INVALID',
        path,
        `the template of ${owner} has placeholder '{{${inner}}}'; use {{$stepKey.results.field}} for a step's output or {{#Config Var Name}} for a config variable`,
      );
    }
    return whole;
  });
  return changed ? rewritten : undefined;
}

/**
 * A reference is `<stepKey>.results[.path]`, or `<loopKey>.currentItem[.path]` / `<loopKey>.index` inside that loop.
 * The step must have run before the referencing step on every path that reaches it. A step named by its old key is
 * accepted with a warning; the returned text names it by its current key.
 */
function checkReference(
  written: string,
  path: string,
  from: PlacedStep,
  keys: StepKeys,
  placed: PlacedStep[],
  report: ValidationTarget['report'],
  describesProblems: () => boolean = () => true,
): string | undefined {
  const legacy = legacyReference(written, path, keys, report);
  const reference = legacy?.rewritten ?? written;
  const [key = '', field] = reference.trim().split(/[.[]/, 2);
  const target = legacy?.target ?? keys.byKey.get(key);
  if (!target && !describesProblems()) {
    report('REFERENCE_UNKNOWN_STEP', path, `unknown step '${key}' in reference '${reference}'`);
    return undefined;
  }
  if (!target) {
    const available = placed
      .filter(
        (entry) =>
          entry.order < from.order &&
          entry.containers.every((container) => from.containers.includes(container)),
      )
      .map((entry) => entry.step.key);
    const suggestion = closestMatch(
      key,
      placed.map((entry) => entry.step.key),
    );
    report(
      'REFERENCE_UNKNOWN_STEP',
      path,
      `unknown step '${key}' in reference '${reference}'${
        suggestion
          ? ` — did you mean '${suggestion}'?`
          : available.length > 0
            ? ` (earlier steps: ${available.slice(-8).join(', ')})`
            : ''
      }`,
    );
    return undefined;
  }
  checkReferenceScope(reference, key, field, path, from, target, placed, report);
  return legacy?.rewritten;
}

/** The reference names a step that exists: is it one the referencing step can see, and in what form? */
function checkReferenceScope(
  reference: string,
  key: string,
  field: string | undefined,
  path: string,
  from: PlacedStep,
  target: PlacedStep,
  placed: PlacedStep[],
  report: ValidationTarget['report'],
): void {
  if (field !== 'results' && field !== 'currentItem' && field !== 'index') {
    report(
      'REFERENCE_INVALID',
      path,
      `reference '${reference}' must continue with '.results' (the step's output)${target.step.steps ? ", '.currentItem' or '.index'" : ''}, as in '${key}.results'`,
    );
    return;
  }
  if (field === 'currentItem' || field === 'index') {
    const insideLoop = from.containers.some(
      (container) => container.kind === 'loop' && container.key === target.step.key,
    );
    if (!target.step.steps) {
      report(
        'REFERENCE_INVALID',
        path,
        `reference '${reference}': step '${target.step.name}' is not a loop, so it has no ${field}`,
      );
    } else if (!insideLoop) {
      report(
        'REFERENCE_OUT_OF_SCOPE',
        path,
        `reference '${reference}': ${field} exists only for steps inside loop '${target.step.name}'; after the loop use '${key}.results'`,
      );
    }
    return;
  }
  if (target === from) {
    report(
      'REFERENCE_NOT_YET_RUN',
      path,
      `step '${from.step.name}' refers to its own results in '${reference}'; refer to an earlier step`,
    );
    return;
  }
  // A loop's results exist once it finishes; a branch step (or a branching trigger) has run before its branches do.
  if (from.containers.some((container) => container.kind === 'loop' && container.key === target.step.key)) {
    report(
      'REFERENCE_NOT_YET_RUN',
      path,
      `step '${from.step.name}' runs inside '${target.step.name}', whose results exist only after it finishes; use '${key}.currentItem' for the current item`,
    );
    return;
  }
  if (target.order > from.order) {
    report(
      'REFERENCE_NOT_YET_RUN',
      path,
      `step '${from.step.name}' refers to '${target.step.name}' in '${reference}', but '${target.step.name}' runs later; move it earlier or refer to a step that runs first`,
    );
    return;
  }
  // Compare the container chains: a loop the target is in but the referencing step is not has finished (or not run)
  // by now, and a sibling branch never runs on the same path.
  for (const [depth, container] of target.containers.entries()) {
    const mine = from.containers[depth];
    if (mine && mine.key === container.key && mine.branch === container.branch) continue;
    const owner = placed.find((entry) => entry.step.key === container.key)?.step.name ?? container.key;
    if (container.kind === 'loop') {
      report(
        'REFERENCE_OUT_OF_SCOPE',
        path,
        `'${target.step.name}' runs inside loop '${owner}', so its results are per iteration and not available to '${from.step.name}'; refer to '${container.key}.results' instead`,
      );
    } else if (mine && mine.key === container.key) {
      report(
        'REFERENCE_OUT_OF_SCOPE',
        path,
        `'${target.step.name}' is in branch '${container.branch}' and '${from.step.name}' in branch '${mine.branch}' of '${owner}'; only one of them runs`,
      );
    }
    return;
  }
}
