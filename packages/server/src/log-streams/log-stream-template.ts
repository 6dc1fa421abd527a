import { WeftError } from '../errors.js';

/**
 * Log stream payload templates (seed 003, "Streaming Logs Externally"): text with `{{ placeholder }}`s that each
 * log line fills in. Prismatic's default template puts its placeholders bare (`"message": {{ message }}`), so a
 * placeholder stands for a JSON value: a string comes out quoted and escaped, a missing value as `null`, numbers and
 * booleans as themselves. A placeholder written inside a JSON string (`"text": "[{{ severity }}] {{ message }}"`)
 * writes the value's text, escaped for that string. Either way a message with quotes, backslashes or line breaks
 * cannot break the document.
 *
 * A template whose first character (after white space) is `{` or `[` is a JSON template: it must be valid JSON
 * with each placeholder taken as a value, which is checked when the stream is saved (with the line and column of
 * what is wrong), so every line it renders is a JSON document, and lines are sent as a JSON array. Any other
 * template is a text template: placeholders write plain text, and lines are sent one per line of the body.
 *
 * Placeholders are Weft's fields (`placeholders` below) or, for the objects code passes to `logger.metric()`, any
 * dotted path into that object (`{{ inventoryItem.id }}`): null on lines that do not have it.
 */

/** One placeholder Weft fills in, as the presets answer lists them for the console and CLI. */
export interface PlaceholderInfo {
  name: string;
  description: string;
  example: unknown;
}

/** Seed 003's placeholders, in its order. */
export const placeholders: readonly PlaceholderInfo[] = [
  {
    name: 'timestamp',
    description: 'When the line was logged, in milliseconds since the epoch',
    example: 1637087683123,
  },
  {
    name: 'timestamp_s',
    description: 'When the line was logged, in seconds since the epoch',
    example: 1637087683,
  },
  {
    name: 'timestamp_ns',
    description: 'When the line was logged, in nanoseconds since the epoch',
    example: 1637087683123000000,
  },
  {
    name: 'timestamp_iso',
    description: 'When the line was logged, ISO 8601 in UTC',
    example: '2021-11-16T18:34:43.123Z',
  },
  {
    name: 'message',
    description: 'The log message (for logger.metric(), the object as JSON text)',
    example: 'This is a test',
  },
  { name: 'severity', description: 'Log level: trace, debug, info, warn, error or metric', example: 'warn' },
  {
    name: 'severityNumber',
    description: 'Syslog severity: 3 error, 4 warn, 6 info and metric, 7 debug and trace',
    example: 4,
  },
  { name: 'instanceId', description: 'Id of the instance', example: '3f6c1b1e-5d0a-4c51-9a55-0c3d8e2f7a10' },
  { name: 'instanceName', description: 'Name of the instance', example: 'Update Inventory' },
  { name: 'instanceLabels', description: 'Labels of the instance', example: ['label1', 'label2'] },
  {
    name: 'flowConfigId',
    description: "Id of the instance's configured flow: the instance id and the flow's stable key",
    example: '3f6c1b1e-5d0a-4c51-9a55-0c3d8e2f7a10:remove-inventory',
  },
  {
    name: 'integrationId',
    description: 'Id of the deployed integration version the execution ran',
    example: '7d1f0c2a-1b2c-4d3e-8f90-a1b2c3d4e5f6',
  },
  { name: 'integrationName', description: 'Name of the integration', example: 'Update Inventory' },
  {
    name: 'logType',
    description: 'Kind of log: always EXECUTION (Weft streams execution logs)',
    example: 'EXECUTION',
  },
  { name: 'flowId', description: "The flow's stable key", example: 'remove-inventory' },
  { name: 'flowName', description: 'Name of the flow', example: 'Remove inventory after order fulfillment' },
  {
    name: 'stepName',
    description: 'Name of the step that logged the line; null for lines of no step',
    example: 'Loop over order items',
  },
  {
    name: 'isTestExecution',
    description: 'Whether the execution is a test run (or a retry or replay of one)',
    example: true,
  },
  {
    name: 'executionId',
    description: 'Id of the execution',
    example: '9b2e4f6a-8c0d-4e1f-a2b3-c4d5e6f7a8b9',
  },
  {
    name: 'customerExternalId',
    description: "The customer's external id (its id in your app)",
    example: 'abc-123',
  },
  { name: 'customerName', description: 'Name of the customer', example: 'Acme Corp' },
  {
    name: 'executionErrorStepName',
    description: 'Name of the step whose error failed the execution; null when it did not fail',
    example: 'Loop over order items',
  },
  { name: 'durationMS', description: 'How long the execution ran, in milliseconds', example: 1000 },
  { name: 'succeeded', description: 'Whether the execution succeeded', example: true },
  {
    name: 'errorMessage',
    description: "The execution's error message; null when it did not fail",
    example: 'This is an error',
  },
  {
    name: 'retryAttemptNumber',
    description: 'Which retry of the original execution this is (0: not a retry)',
    example: 0,
  },
  {
    name: 'retryForExecutionId',
    description: 'For a retry: id of the original execution; null otherwise',
    example: '9b2e4f6a-8c0d-4e1f-a2b3-c4d5e6f7a8b9',
  },
];

const placeholderNames = new Set(placeholders.map((placeholder) => placeholder.name));

/** Seed 003's default message template; only the service's name is Weft's. */
export const defaultPayloadTemplate = `{
  "message": {{ message }},
  "timestamp": {{ timestamp }},
  "severity": {{ severity }},
  "service": "Weft",
  "instance": {{ instanceName }},
  "customer": {{ customerExternalId }},
  "integration": {{ integrationName }},
  "logType": {{ logType }},
  "isTestExecution": {{ isTestExecution }},
  "flow": {{ flowName }},
  "step": {{ stepName }},
  "executionid": {{ executionId }},
  "instanceId": {{ instanceId }},
  "flowConfigId": {{ flowConfigId }},
  "integrationId": {{ integrationId }},
  "flowId": {{ flowId }},
  "executionErrorStepName": {{ executionErrorStepName }},
  "duration": {{ durationMS }},
  "succeeded": {{ succeeded }},
  "errorMessage": {{ errorMessage }},
  "retryAttempt": {{ retryAttemptNumber }},
  "retryForExecutionId": {{ retryForExecutionId }}
}`;

/** The most text a template may hold. */
export const maxTemplateLength = 65_536;

/** What one log line and its execution give the placeholders. */
export interface LogLineFields {
  at: Date;
  level: string;
  message: string;
  instanceId: string;
  instanceName: string | null;
  instanceLabels: string[];
  flowStableKey: string;
  integrationVersionId: string;
  integrationName: string | null;
  flowName: string;
  stepName: string | null;
  isTest: boolean;
  executionId: string;
  customerExternalId: string | null;
  customerName: string | null;
  errorStepName: string | null;
  durationMs: number | null;
  succeeded: boolean;
  errorMessage: string | null;
  retryNumber: number;
  retryOfId: string | null;
}

type Part = { text: string } | { path: string; segments: string[]; inString: boolean; length: number };

export interface PayloadTemplate {
  readonly source: string;
  /** A JSON template: each line renders to a JSON document, and a batch is their JSON array. */
  readonly json: boolean;
  /** The placeholders that are not Weft's fields: paths into `logger.metric()` objects. */
  readonly metricFields: string[];
  readonly parts: readonly Part[];
}

const pathPattern = /^[A-Za-z_$][\w$-]*(\.[\w$-]+)*$/;

/** Line and column (from 1) of an offset in `text`. */
function locate(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function templateError(source: string, offset: number, problem: string): WeftError {
  const { line, column } = locate(source, offset);
  return new WeftError(
    'LOG_STREAM_TEMPLATE_INVALID',
    `The payload template ${problem} (line ${line}, column ${column}).`,
    { field: 'payloadTemplate', line, column },
  );
}

/**
 * Parses and checks a template; a problem is a LOG_STREAM_TEMPLATE_INVALID naming its line and column. `field` is
 * the request field the template came from.
 */
export function parseTemplate(source: string): PayloadTemplate {
  if (source.trim() === '') {
    throw new WeftError(
      'LOG_STREAM_TEMPLATE_INVALID',
      'The payload template is empty: write what each log line sends.',
      {
        field: 'payloadTemplate',
      },
    );
  }
  const parts: Part[] = [];
  const metricFields: string[] = [];
  let at = 0;
  for (;;) {
    const open = source.indexOf('{{', at);
    if (open < 0) {
      parts.push({ text: source.slice(at) });
      break;
    }
    const close = source.indexOf('}}', open + 2);
    if (close < 0) {
      throw templateError(source, open, "opens a placeholder with '{{' that is never closed with '}}'");
    }
    const inner = source.slice(open + 2, close);
    const path = inner.trim();
    if (inner.includes('{{') || inner.includes('\n') || !pathPattern.test(path)) {
      const shown = `{{${inner}}}`.slice(0, 60);
      throw templateError(
        source,
        open,
        `has '${shown}', which is not a placeholder: write a field such as {{ message }} or a path into a logger.metric() object such as {{ inventoryItem.id }}`,
      );
    }
    parts.push({ text: source.slice(at, open) });
    parts.push({ path, segments: path.split('.'), inString: false, length: close + 2 - open });
    if (!placeholderNames.has(path) && !metricFields.includes(path)) metricFields.push(path);
    at = close + 2;
  }
  // `{{` opens a placeholder, never a JSON object.
  const json = /^\s*(\[|\{(?!\{))/.test(source);
  if (json) checkJson(source, parts);
  return { source, json, metricFields, parts: parts.filter((part) => !('text' in part) || part.text !== '') };
}

/**
 * Checks that the template is JSON with each placeholder taken as a value, and marks the placeholders that sit
 * inside a JSON string. Each placeholder is replaced by text of the same length (`0` and spaces outside strings,
 * letters inside), so the offset JSON.parse reports is the template's own.
 */
function checkJson(source: string, parts: Part[]): void {
  let inString = false;
  let escaped = false;
  let stand = '';
  for (const part of parts) {
    if ('text' in part) {
      for (const char of part.text) {
        if (escaped) escaped = false;
        else if (inString && char === '\\') escaped = true;
        else if (char === '"') inString = !inString;
      }
      stand += part.text;
      continue;
    }
    if (escaped) {
      throw templateError(source, stand.length, 'has a backslash right before a placeholder: remove it');
    }
    part.inString = inString;
    // Inside a string a placeholder is text, outside a value: stand-ins of the same length keep the offsets.
    stand += inString ? 'x'.repeat(part.length) : '0'.padEnd(part.length, ' ');
  }
  try {
    JSON.parse(stand);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    const problem = message
      .replace(/ (in JSON )?at position \d+.*$/s, '')
      .replace(/^Unexpected end of JSON input$/, 'It ends too soon');
    const advice =
      'each placeholder stands for a JSON value, so write it without quotes ("message": {{ message }}) or inside a string ("text": "Error: {{ message }}")';
    const what = `starts like JSON but is not valid JSON: ${problem}; ${advice}`;
    if (position) throw templateError(source, Math.min(Number(position[1]), source.length), what);
    throw templateError(source, source.length, what);
  }
}

/** The value a placeholder stands for on a line; undefined when the line has none (written as null). */
function placeholderValue(
  segments: string[],
  path: string,
  fields: LogLineFields,
  metric: Record<string, unknown> | undefined,
): unknown {
  switch (path) {
    case 'timestamp':
      return fields.at.getTime();
    case 'timestamp_s':
      return Math.floor(fields.at.getTime() / 1000);
    case 'timestamp_ns':
      return BigInt(fields.at.getTime()) * 1_000_000n;
    case 'timestamp_iso':
      return fields.at.toISOString();
    case 'message':
      return fields.message;
    case 'severity':
      return fields.level;
    case 'severityNumber':
      return syslogSeverity(fields.level);
    case 'instanceId':
      return fields.instanceId;
    case 'instanceName':
      return fields.instanceName;
    case 'instanceLabels':
      return fields.instanceLabels;
    case 'flowConfigId':
      return `${fields.instanceId}:${fields.flowStableKey}`;
    case 'integrationId':
      return fields.integrationVersionId;
    case 'integrationName':
      return fields.integrationName;
    case 'logType':
      return 'EXECUTION';
    case 'flowId':
      return fields.flowStableKey;
    case 'flowName':
      return fields.flowName;
    case 'stepName':
      return fields.stepName;
    case 'isTestExecution':
      return fields.isTest;
    case 'executionId':
      return fields.executionId;
    case 'customerExternalId':
      return fields.customerExternalId;
    case 'customerName':
      return fields.customerName;
    case 'executionErrorStepName':
      return fields.errorStepName;
    case 'durationMS':
      return fields.durationMs;
    case 'succeeded':
      return fields.succeeded;
    case 'errorMessage':
      return fields.errorMessage;
    case 'retryAttemptNumber':
      return fields.retryNumber;
    case 'retryForExecutionId':
      return fields.retryOfId;
    default:
      return metric ? metricValue(metric, segments) : undefined;
  }
}

function metricValue(metric: Record<string, unknown>, segments: string[]): unknown {
  let value: unknown = metric;
  for (const segment of segments) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Syslog severities (RFC 5424): error 3, warning 4, informational 6, debug 7. */
export function syslogSeverity(level: string): number {
  switch (level) {
    case 'error':
      return 3;
    case 'warn':
      return 4;
    case 'debug':
    case 'trace':
      return 7;
    default:
      return 6;
  }
}

/** The object a `logger.metric()` line carries (its message is the object as JSON). */
function metricOf(fields: LogLineFields): Record<string, unknown> | undefined {
  if (fields.level !== 'metric') return undefined;
  try {
    const parsed = JSON.parse(fields.message) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A value as a JSON token. */
function jsonToken(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value) ?? 'null';
}

/** A value as plain text: strings as they are, nothing for null, other values as JSON. */
function plainText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return jsonToken(value);
}

/** Renders one line. */
export function renderLine(template: PayloadTemplate, fields: LogLineFields): string {
  const metric = template.metricFields.length > 0 ? metricOf(fields) : undefined;
  let out = '';
  for (const part of template.parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    const value = placeholderValue(part.segments, part.path, fields, metric);
    if (!template.json) out += plainText(value);
    else if (part.inString) out += JSON.stringify(plainText(value)).slice(1, -1);
    else out += jsonToken(value);
  }
  return out;
}

/** The body of a batch of rendered lines: a JSON array for a JSON template, else one line each. */
export function batchBody(template: PayloadTemplate, lines: string[]): string {
  return template.json ? `[${lines.join(',')}]` : `${lines.join('\n')}\n`;
}

/** The values a test payload substitutes (seed 003: "Test message", "Test integration", ...). */
export function testLineFields(now = new Date()): LogLineFields {
  return {
    at: now,
    level: 'info',
    message: 'Test message',
    instanceId: '00000000-0000-4000-8000-000000000001',
    instanceName: 'Test instance',
    instanceLabels: ['test'],
    flowStableKey: 'test-flow',
    integrationVersionId: '00000000-0000-4000-8000-000000000002',
    integrationName: 'Test integration',
    flowName: 'Test flow',
    stepName: 'Test step',
    isTest: true,
    executionId: '00000000-0000-4000-8000-000000000003',
    customerExternalId: 'test-customer',
    customerName: 'Test customer',
    errorStepName: null,
    durationMs: 1000,
    succeeded: true,
    errorMessage: null,
    retryNumber: 0,
    retryOfId: null,
  };
}
