import type { CatalogComponent, CatalogInput, CatalogOperation, ComponentCatalog } from '../catalog.js';
import { conditionOperators, operatorArity } from '../conditions.js';
import {
  type ConditionExpression,
  type ConfigVar,
  type Flow,
  type Input,
  type Integration,
  isConditionExpression,
  type Step,
} from '../model.js';
import type { DefinitionProblemCode } from '../problems.js';
import { cronProblem, isValidTimeZone } from '../schedule-checks.js';
import { stepKey } from '../step-key.js';
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
    validateConfigVar(configVar, `requiredConfigVars[${index}]`, target, checkConfigVarName);
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

  for (const name of ['externalCustomerIdField', 'externalCustomerUserIdField', 'flowNameField'] as const) {
    const input = integration[name];
    if (input) checkInputNames(input, name, 'the integration', () => undefined, checkConfigVarName, report);
  }
  if (
    integration.endpointType !== 'flow_specific' &&
    !integration.preprocessFlowName &&
    !integration.flowNameField
  ) {
    report(
      'FIELD_REQUIRED',
      'endpointType',
      `endpointType '${integration.endpointType}' routes each request to a flow, so the integration needs preprocessFlowName (a flow that decides) or flowNameField (where the request names the flow)`,
    );
  }
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
    validateFlow(flow, `flows[${index}]`, target, configVarsByKey, checkConfigVarName);
  });
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
      const component = findComponent(catalog, ref.component.key, joinPath(path, kind), name, report);
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

function findComponent(
  catalog: ComponentCatalog,
  key: string,
  path: string,
  owner: string,
  report: ValidationTarget['report'],
): CatalogComponent | undefined {
  const component = catalog.get(key);
  if (component) return component;
  report(
    'COMPONENT_UNKNOWN',
    joinPath(joinPath(path, 'component'), 'key'),
    `${owner} uses component '${key}', which this server does not know${
      didYouMean(key, catalog.keys()) ?? ' (publish the custom component first, or check the key)'
    }`,
  );
  return undefined;
}

function validateFlow(
  flow: Flow,
  path: string,
  target: ValidationTarget,
  configVarsByKey: Map<string, ConfigVar>,
  checkConfigVarName: ConfigVarCheck,
): void {
  const { report } = target;
  const placed = placeSteps(flow, path);
  checkUnique(
    placed.map((entry) => ({ name: entry.step.name, path: joinPath(entry.path, 'name') })),
    `step of flow '${flow.name}'`,
    report,
    stepKey,
  );
  const byKey = new Map<string, PlacedStep>();
  for (const entry of placed) if (!byKey.has(entry.step.key)) byKey.set(entry.step.key, entry);

  if (flow.schedule) {
    const schedulePath = joinPath(placed[0]?.path ?? path, 'schedule');
    const { schedule } = flow;
    if (schedule.type === 'value') {
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

  for (const entry of placed) {
    const resolveStep = (key: string): PlacedStep | undefined => byKey.get(key);
    const operation = target.catalog ? checkOperation(entry, target.catalog, report) : undefined;
    checkStructure(entry, operation, report);
    for (const [inputName, input] of Object.entries(entry.step.inputs)) {
      const inputPath = joinPath(joinPath(entry.path, 'inputs'), inputName);
      checkInputNames(
        input,
        inputPath,
        `step '${entry.step.name}'`,
        (reference, referencePath) =>
          checkReference(
            reference,
            referencePath,
            entry,
            resolveStep,
            placed,
            report,
            target.describesProblems,
          ),
        checkConfigVarName,
        report,
      );
    }
    if (operation) checkInputs(entry, operation, configVarsByKey, report);
  }
}

function placeSteps(flow: Flow, flowPath: string): PlacedStep[] {
  const placed: PlacedStep[] = [
    { step: flow.trigger, path: `${flowPath}.steps[0]`, order: 0, containers: [], isTrigger: true },
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
  visit(flow.steps, (index) => `${flowPath}.steps[${index + 1}]`, []);
  return placed;
}

/** The action or trigger a step names, after checking the component and key exist. */
function checkOperation(
  entry: PlacedStep,
  catalog: ComponentCatalog,
  report: ValidationTarget['report'],
): CatalogOperation | undefined {
  const { step } = entry;
  const actionPath = joinPath(entry.path, 'action');
  const component = findComponent(
    catalog,
    step.action.component.key,
    actionPath,
    `step '${step.name}'`,
    report,
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
        `step '${step.name}' (${ref}) is not a branch, so it cannot hold branches`,
      );
    }
    if (operation.kind === 'branch' && (!step.branches || step.branches.length === 0)) {
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
    const empty =
      given === undefined || (given.type === 'value' && (given.value === '' || given.value === null));
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

type ReferenceCheck = (reference: string, path: string) => void;

/** Walks an input (and the inputs inside complex values and conditions), checking every reference it holds. */
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
    case 'reference':
      checkReference(input.value, valuePath);
      break;
    case 'configVar':
      checkConfigVarName(input.value, valuePath, owner);
      break;
    case 'template':
      checkTemplate(input.value, valuePath, owner, checkReference, checkConfigVarName, report);
      break;
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
  } else if (operands.length !== arity || operands.some((operand) => Array.isArray(operand))) {
    report(
      'CONDITION_INVALID',
      `${path}[0]`,
      `'${operator}' in ${owner} compares ${arity === 1 ? 'one value' : 'two values'}, but is given ${operands.length} operand${operands.length === 1 ? '' : 's'}`,
    );
  }
  operands.forEach((operand, index) => {
    const operandPath = `${path}[${index + 1}]`;
    if (Array.isArray(operand))
      checkExpression(operand, operandPath, owner, checkReference, checkConfigVarName, report);
    else if (typeof operand === 'object')
      checkInputNames(operand, operandPath, owner, checkReference, checkConfigVarName, report);
  });
}

const placeholderPattern = /\{\{([\s\S]*?)\}\}/g;

/** `{{$stepKey.results.path}}` refers to a step, `{{#Config Var Name}}` to a config variable. */
function checkTemplate(
  template: string,
  path: string,
  owner: string,
  checkReference: ReferenceCheck,
  checkConfigVarName: ConfigVarCheck,
  report: ValidationTarget['report'],
): void {
  const withoutPlaceholders = template.replace(placeholderPattern, '');
  if (withoutPlaceholders.includes('{{')) {
    report('TEMPLATE_INVALID', path, `the template of ${owner} opens '{{' without closing it with '}}'`);
  }
  for (const match of template.matchAll(placeholderPattern)) {
    const body = (match[1] ?? '').trim();
    if (body.startsWith('$')) checkReference(body.slice(1), path);
    else if (body.startsWith('#')) checkConfigVarName(body.slice(1).trim(), path, owner);
    else {
      report(
        'TEMPLATE_INVALID',
        path,
        `the template of ${owner} has placeholder '{{${match[1]}}}'; use {{$stepKey.results.field}} for a step's output or {{#Config Var Name}} for a config variable`,
      );
    }
  }
}

/**
 * A reference is `<stepKey>.results[.path]`, or `<loopKey>.currentItem[.path]` / `<loopKey>.index` inside that loop.
 * The step must have run before the referencing step on every path that reaches it.
 */
function checkReference(
  reference: string,
  path: string,
  from: PlacedStep,
  resolveStep: (key: string) => PlacedStep | undefined,
  placed: PlacedStep[],
  report: ValidationTarget['report'],
  describesProblems: () => boolean = () => true,
): void {
  const [key = '', field] = reference.trim().split(/[.[]/, 2);
  const target = resolveStep(key);
  if (!target && !describesProblems()) {
    report('REFERENCE_UNKNOWN_STEP', path, `unknown step '${key}' in reference '${reference}'`);
    return;
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
    return;
  }
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
  if (from.containers.some((container) => container.key === target.step.key)) {
    report(
      'REFERENCE_NOT_YET_RUN',
      path,
      `step '${from.step.name}' runs inside '${target.step.name}', whose results exist only after it finishes${
        target.step.steps ? `; use '${key}.currentItem' for the current item` : ''
      }`,
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
