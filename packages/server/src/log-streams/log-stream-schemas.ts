import { type Static, Type } from '@sinclair/typebox';
import { Cursor, DateTime, Limit, Nullable, page, refTo } from '../http/common-schemas.js';
import { maxTemplateLength } from './log-stream-template.js';

/** The request and answer shapes of `/api/log-streams`. Header values are write-only: answers name headers only. */

export const presetKeys = ['custom', 'datadog', 'new-relic'] as const;
const Preset = Type.Union(
  presetKeys.map((key) => Type.Literal(key)),
  {
    description:
      "Which service the stream sends to: 'datadog' and 'new-relic' fill in their URL and template",
  },
);

const Name = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: 'Unique in the organization (case-insensitive)',
});
const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  description: 'The http(s) endpoint each batch of log lines is POSTed to',
});
const PayloadTemplate = Type.String({
  maxLength: maxTemplateLength,
  description:
    'What each log line sends, with {{ placeholders }} (GET /api/log-streams/presets lists them). A template starting with { or [ must be JSON, each placeholder taken as a value; its lines are sent as a JSON array.',
});
const BacklogLimit = Type.Integer({
  minimum: 1,
  maximum: 1_000_000,
  description:
    'Most executions whose lines may wait while the endpoint fails; beyond it the oldest are dropped and counted (default 10000)',
});
const HeaderValue = Type.String({ maxLength: 8192 });

export const maxHeaders = 30;

export const LogStreamStatus = Type.Object({
  state: Type.Union([Type.Literal('delivering'), Type.Literal('retrying'), Type.Literal('disabled')], {
    description:
      'delivering: lines go out as executions finish; retrying: the last delivery failed and the backlog waits for the next attempt; disabled: nothing is queued',
  }),
  backlogExecutions: Type.Integer({ description: 'Finished executions whose lines wait to be sent' }),
  droppedExecutions: Type.Integer({
    description:
      'Executions whose lines were dropped unsent because the backlog was full (backlogLimit) while the endpoint failed',
  }),
  deliveredLines: Type.Integer({ description: 'Log lines the endpoint accepted' }),
  lastDeliveredAt: Nullable(DateTime),
  lastError: Nullable(Type.String({ description: 'Why the last delivery failed; null once one succeeds' })),
  lastErrorAt: Nullable(DateTime),
  nextAttemptAt: Type.Union([DateTime, Type.Null()], { description: 'When a retrying stream tries again' }),
  summary: Type.String({
    description: 'The state in a sentence, with why lines were dropped when some were',
  }),
});
export type LogStreamStatus = Static<typeof LogStreamStatus>;

export const LogStream = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    url: Type.String(),
    preset: Preset,
    payloadTemplate: Type.String(),
    format: Type.Union([Type.Literal('json'), Type.Literal('text')], {
      description: 'json: each line is a JSON object, a batch their array; text: one line each',
    }),
    metricFields: Type.Array(Type.String(), {
      description:
        "The template's placeholders that are not Weft's fields: read from the objects logged with logger.metric(), null on other lines (a typo shows here)",
    }),
    headerNames: Type.Array(Type.String(), {
      description: 'The headers sent (their values are never answered)',
    }),
    enabled: Type.Boolean(),
    backlogLimit: Type.Integer(),
    status: LogStreamStatus,
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'LogStream' },
);
export type LogStream = Static<typeof LogStream>;

export const LogStreamPage = page(refTo(LogStream), 'LogStreamPage');
export type LogStreamPage = Static<typeof LogStreamPage>;

export const LogStreamCreate = Type.Object(
  {
    name: Name,
    url: Type.Optional(
      Type.String({
        ...Url,
        description: `${Url.description}; with a datadog or new-relic preset, its US intake when not given`,
      }),
    ),
    preset: Type.Optional(Preset),
    payloadTemplate: Type.Optional(
      Type.String({
        ...PayloadTemplate,
        description: `${PayloadTemplate.description} Default: seed 003's default template.`,
      }),
    ),
    headers: Type.Optional(
      Type.Record(Type.String(), HeaderValue, {
        maxProperties: maxHeaders,
        description: 'Header name to value (an API key, Authorization); stored encrypted, never answered',
      }),
    ),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    backlogLimit: Type.Optional(BacklogLimit),
  },
  { additionalProperties: false, $id: 'LogStreamCreate' },
);
export type LogStreamCreate = Static<typeof LogStreamCreate>;

export const LogStreamUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    url: Type.Optional(Url),
    preset: Type.Optional(Preset),
    payloadTemplate: Type.Optional(PayloadTemplate),
    headers: Type.Optional(
      Type.Record(Type.String(), Nullable(HeaderValue), {
        maxProperties: maxHeaders,
        description:
          'Headers to set (name to value) or remove (name to null); headers not named stay as they are',
      }),
    ),
    enabled: Type.Optional(Type.Boolean()),
    backlogLimit: Type.Optional(BacklogLimit),
  },
  { additionalProperties: false, minProperties: 1, $id: 'LogStreamUpdate' },
);
export type LogStreamUpdate = Static<typeof LogStreamUpdate>;

export const LogStreamListQuery = Type.Object(
  { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type LogStreamListQuery = Static<typeof LogStreamListQuery>;

export const IdParams = Type.Object({ id: Type.String({ description: 'Log stream id' }) });

export const LogStreamTestResult = Type.Object(
  {
    delivered: Type.Boolean({ description: 'Whether the endpoint answered 2xx' }),
    statusCode: Nullable(
      Type.Integer({ description: 'What the endpoint answered; null when it could not be reached' }),
    ),
    error: Nullable(Type.String()),
    payload: Type.String({ description: 'The body sent: the template rendered with test values' }),
  },
  { $id: 'LogStreamTestResult' },
);
export type LogStreamTestResult = Static<typeof LogStreamTestResult>;

export const LogStreamPresets = Type.Object(
  {
    presets: Type.Array(
      Type.Object({
        key: Preset,
        name: Type.String(),
        header: Nullable(Type.String({ description: 'The header that carries the service key' })),
        keyHint: Nullable(Type.String()),
        regions: Type.Array(Type.Object({ key: Type.String(), name: Type.String(), url: Type.String() })),
        payloadTemplate: Type.String(),
      }),
    ),
    placeholders: Type.Array(
      Type.Object({ name: Type.String(), description: Type.String(), example: Type.Unknown() }),
    ),
  },
  { $id: 'LogStreamPresets' },
);
export type LogStreamPresets = Static<typeof LogStreamPresets>;

export const logStreamAnswers = {
  stream: refTo(LogStream),
  page: refTo(LogStreamPage),
  test: refTo(LogStreamTestResult),
  presets: refTo(LogStreamPresets),
};
