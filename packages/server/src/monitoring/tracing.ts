import type { Context, Span, SpanStatusCode, Tracer } from '@opentelemetry/api';
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';
import { type HttpPort, Redactor, type StepEvent } from '@weft/engine';
import type { Logger } from 'pino';
import type { TracingSettings } from '../config.js';

/**
 * OpenTelemetry traces of executions: one trace per execution, its root span the execution, a child span per step
 * (a loop's steps under the loop step), and a client span per outbound HTTP request a built-in step makes (the
 * `http` component's, through the engine's HTTP port), under the step that made it. Spans are exported over
 * OTLP/HTTP (JSON) when an endpoint is configured (`WEFT_OTLP_ENDPOINT`, or the standard `OTEL_EXPORTER_OTLP_*`
 * variables); otherwise none of the OpenTelemetry SDK is even loaded: `startTracing` imports it on demand, and the
 * worker skips every tracing call when it has no tracer.
 *
 * **The trace id is the execution id** without its dashes (a UUID is 128 bits, as a trace id is), so anyone holding
 * an execution id finds its trace, and a new attempt of an interrupted execution adds to the same trace. Steps run
 * in series, so the step an HTTP request belongs to is the innermost step started and not yet finished: the trace
 * keeps that stack itself, with no async context to carry.
 *
 * The provider is this server's own (never registered globally), so two servers in one process (tests) keep their
 * spans apart, and nothing else in the process starts tracing because Weft does.
 */

/** Starts the trace of each execution a worker of this process runs. */
export interface ExecutionTracer {
  startExecution(execution: TracedExecution): ExecutionTrace;
  /** Sends the spans still waiting, then stops. */
  shutdown(): Promise<void>;
}

/** What the execution span carries (no customer data beyond the customer's id). */
export interface TracedExecution {
  executionId: string;
  attempt: number;
  triggerKind: string;
  instanceId: string;
  customerId: string;
  integrationName: string;
  flowName: string;
  retryOfId?: string | undefined;
}

/** The steps' component and action keys, by step key (from the flow's definition). */
export interface StepIdentity {
  component: string;
  action: string;
}

type FinishedStep = Extract<StepEvent, { type: 'finished' }>;

/** One execution's trace, fed as it runs. */
export interface ExecutionTrace {
  /** 32 hex characters: the execution id without its dashes. */
  readonly traceId: string;
  stepStarted(stepKey: string, stepName: string, identity: StepIdentity | undefined): void;
  stepFinished(event: FinishedStep, identity: StepIdentity | undefined): void;
  /** The HTTP port to hand the engine: each request a span under the running step; `secrets` masked in URLs. */
  http(port: HttpPort, secrets: readonly string[]): HttpPort;
  /** Ends the trace with the stored outcome; without one, the run stored nothing (lost, cut off, thrown). */
  end(outcome?: { status: string; error?: { code?: string; message?: string } | undefined }): void;
}

/** The trace id of an execution: its UUID's 32 hex digits. */
export function traceIdOf(executionId: string): string {
  return executionId.replaceAll('-', '').toLowerCase();
}

/**
 * Loads the OpenTelemetry SDK and exporter (only now: a server without an endpoint never loads them) and answers
 * the tracer the worker uses.
 */
export async function startTracing(settings: TracingSettings, log: Logger): Promise<ExecutionTracer> {
  const [api, sdk, exporterModule, resources, conventions] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
  ]);

  /** Random ids, except the next trace's, set just before its root span starts (startSpan is synchronous). */
  class ExecutionIdGenerator implements IdGenerator {
    nextTraceId: string | undefined;
    private readonly random = new sdk.RandomIdGenerator();
    generateTraceId(): string {
      const id = this.nextTraceId ?? this.random.generateTraceId();
      this.nextTraceId = undefined;
      return id;
    }
    generateSpanId(): string {
      return this.random.generateSpanId();
    }
  }

  const ids = new ExecutionIdGenerator();
  const exporter = new exporterModule.OTLPTraceExporter({ url: settings.endpoint });
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ [conventions.ATTR_SERVICE_NAME]: settings.serviceName }),
    idGenerator: ids,
    spanProcessors: [new sdk.BatchSpanProcessor(exporter, { scheduledDelayMillis: settings.exportDelayMs })],
  });
  const tracer: Tracer = provider.getTracer('weft');
  const error: SpanStatusCode = api.SpanStatusCode.ERROR;
  const under = (parent: Span): Context => api.trace.setSpan(api.ROOT_CONTEXT, parent);
  log.info({ endpoint: settings.endpoint, serviceName: settings.serviceName }, 'exporting execution traces');

  return {
    startExecution(execution) {
      const traceId = traceIdOf(execution.executionId);
      ids.nextTraceId = /^[0-9a-f]{32}$/.test(traceId) ? traceId : undefined;
      const root = tracer.startSpan(`execution ${execution.flowName}`, {
        root: true,
        attributes: {
          'weft.execution.id': execution.executionId,
          'weft.execution.attempt': execution.attempt,
          'weft.execution.trigger_kind': execution.triggerKind,
          'weft.instance.id': execution.instanceId,
          'weft.customer.id': execution.customerId,
          'weft.integration.name': execution.integrationName,
          'weft.flow.name': execution.flowName,
          ...(execution.retryOfId ? { 'weft.execution.retry_of_id': execution.retryOfId } : {}),
        },
      });
      ids.nextTraceId = undefined;
      /** Steps started and not finished, innermost last: a loop step stays open while its children run. */
      const open: Array<{ key: string; span: Span }> = [];
      const current = (): Span => open.at(-1)?.span ?? root;
      let ended = false;

      const stepAttributes = (key: string, name: string, identity: StepIdentity | undefined) => ({
        'weft.step.key': key,
        'weft.step.name': name,
        ...(identity
          ? { 'weft.step.component': identity.component, 'weft.step.action': identity.action }
          : {}),
      });

      return {
        traceId: root.spanContext().traceId,
        stepStarted(stepKey, stepName, identity) {
          if (ended) return;
          const span = tracer.startSpan(
            `step ${stepName}`,
            { attributes: stepAttributes(stepKey, stepName, identity) },
            under(current()),
          );
          open.push({ key: stepKey, span });
        },
        stepFinished(event, identity) {
          if (ended) return;
          let index = open.length - 1;
          while (index >= 0 && open[index]?.key !== event.stepKey) index -= 1;
          let span: Span;
          if (index >= 0) {
            // Anything opened inside it and never finished (cut off) ends with it.
            for (const inner of open.splice(index + 1)) inner.span.end();
            span = (open.pop() as { span: Span }).span;
          } else {
            // Finished without a start event: a step that failed before it began (its component did not load).
            const startedAt = event.record.attempts[0]?.startedAt;
            span = tracer.startSpan(
              `step ${event.stepName}`,
              {
                attributes: stepAttributes(event.stepKey, event.stepName, identity),
                ...(startedAt ? { startTime: new Date(startedAt) } : {}),
              },
              under(current()),
            );
          }
          const record = event.record;
          span.setAttributes({
            'weft.step.status': event.status,
            'weft.step.attempts': record.attempts.length,
            ...(record.iteration !== undefined ? { 'weft.step.iteration': record.iteration } : {}),
            ...(record.iterations !== undefined ? { 'weft.step.iterations': record.iterations } : {}),
            ...(record.branch !== undefined ? { 'weft.step.branch': record.branch } : {}),
          });
          // Each failed attempt (retries, or the failure the step ended with) as an exception event.
          for (const attempt of record.attempts) {
            if (!attempt.error) continue;
            span.addEvent('exception', {
              'exception.type': attempt.error.code,
              'exception.message': attempt.error.message,
              'weft.step.attempt': attempt.attempt,
            });
          }
          const failure = record.attempts.at(-1)?.error;
          if (event.status === 'failed') {
            span.setStatus({ code: error, message: failure?.message ?? 'the step failed' });
            if (failure?.code) span.setAttribute('error.type', failure.code);
          }
          span.end();
        },
        http(port, secrets) {
          const redactor = new Redactor(secrets);
          return {
            fetch: async (url, init, options) => {
              if (ended) return port.fetch(url, init, options);
              const method = (init?.method ?? 'GET').toUpperCase();
              const span = tracer.startSpan(
                method,
                { kind: api.SpanKind.CLIENT, attributes: requestAttributes(method, url, redactor) },
                under(current()),
              );
              try {
                const response = await port.fetch(url, init, options);
                span.setAttribute('http.response.status_code', response.status);
                if (response.status >= 400) {
                  span.setStatus({ code: error, message: `HTTP ${response.status}` });
                  span.setAttribute('error.type', String(response.status));
                }
                return response;
              } catch (thrown) {
                const failure = thrown as { code?: unknown; name?: string; message?: string };
                span.setStatus({ code: error, message: redactor.text(String(failure?.message ?? thrown)) });
                span.setAttribute(
                  'error.type',
                  typeof failure?.code === 'string' ? failure.code : (failure?.name ?? 'Error'),
                );
                throw thrown;
              } finally {
                span.end();
              }
            },
          };
        },
        end(outcome) {
          if (ended) return;
          ended = true;
          for (const inner of open.splice(0).reverse()) inner.span.end();
          if (outcome) {
            root.setAttribute('weft.execution.status', outcome.status);
            if (outcome.error?.code) root.setAttribute('weft.error.code', outcome.error.code);
            if (outcome.status === 'failed') {
              root.setStatus({ code: error, message: outcome.error?.message ?? 'the execution failed' });
            }
          } else {
            root.setAttribute('weft.execution.stored', false);
          }
          root.end();
        },
      };
    },
    async shutdown() {
      await provider.shutdown().catch((failure: Error) => {
        log.warn({ error: failure.message }, 'could not send the last execution traces');
      });
    },
  };
}

/** The request as a span shows it: the URL without its query, fragment or credentials, secrets masked. */
function requestAttributes(
  method: string,
  url: string | URL,
  redactor: Redactor,
): Record<string, string | number> {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return { 'http.request.method': method };
  }
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  return {
    'http.request.method': method,
    'url.full': redactor.text(`${parsed.protocol}//${parsed.host}${parsed.pathname}`),
    'url.scheme': parsed.protocol.replace(/:$/, ''),
    'server.address': parsed.hostname,
    'server.port': Number(port),
  };
}
