import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { Link } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { Badge, ErrorNotice } from '../../../shared/ui.js';
import { Section } from '../../ui/page.js';
import { ExecutionDetail } from '../executions/execution-detail.js';
import { instanceKeys } from './keys.js';
import { useTestRun } from './mutations.js';
import { type InstanceDetail, useInstanceFlows, useTestRunExecution } from './queries.js';

type PayloadKind = 'json' | 'text' | 'file';

interface HeaderRow {
  id: number;
  name: string;
  value: string;
}

const defaultContentType: Record<PayloadKind, string> = {
  json: 'application/json',
  text: 'text/plain',
  file: 'application/octet-stream',
};

/** Where a JSON text stops parsing, as "line 3, column 7" (the engine's message names an offset, or nothing). */
function jsonProblem(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    if (!position) return message;
    const offset = Number(position[1]);
    const before = text.slice(0, offset).split('\n');
    return `${message.replace(/ in JSON at position \d+.*$/, '')} at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
  }
}

function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read'));
    reader.readAsDataURL(file);
  });
}

/**
 * A test run of one flow (Prismatic's "Test" tab): a payload and headers sent to the flow's trigger as a request
 * would be, then the execution step by step with the HTTP response the flow gave (ExecutionDetail shows both).
 */
export function TestRunPanel({ instance }: { instance: InstanceDetail }) {
  const baseId = useId();
  const flows = useInstanceFlows(instance.id);
  const [flow, setFlow] = useState('');
  const [kind, setKind] = useState<PayloadKind>('json');
  const [payload, setPayload] = useState('{\n  \n}');
  const [file, setFile] = useState<File>();
  const [contentType, setContentType] = useState(defaultContentType.json);
  const [headers, setHeaders] = useState<HeaderRow[]>([{ id: 1, name: '', value: '' }]);
  const [problem, setProblem] = useState<string>();
  const [executionId, setExecutionId] = useState<string>();
  const testRun = useTestRun();
  const queryClient = useQueryClient();
  const execution = useTestRunExecution(executionId);
  const flowNames = flows.data?.flows.map((candidate) => candidate.flow) ?? [];
  const chosenFlow = flow || flowNames[0] || '';

  async function runTest() {
    setProblem(undefined);
    if (!chosenFlow) return;
    let body: unknown = payload;
    let encoding: 'base64' | undefined;
    if (kind === 'json') {
      const found = payload.trim() ? jsonProblem(payload) : undefined;
      if (found) {
        setProblem(`The payload is not valid JSON: ${found}`);
        return;
      }
      body = payload.trim() ? JSON.parse(payload) : undefined;
    } else if (kind === 'file') {
      if (!file) {
        setProblem('Choose a file to send.');
        return;
      }
      body = await readAsBase64(file);
      encoding = 'base64';
    }
    const sent: Record<string, string> = {};
    for (const row of headers) if (row.name.trim()) sent[row.name.trim()] = row.value;
    try {
      const queued = await testRun.mutateAsync({
        id: instance.id,
        flow: chosenFlow,
        payload: body,
        contentType: contentType.trim() || defaultContentType[kind],
        headers: sent,
        ...(encoding ? { encoding } : {}),
      });
      setExecutionId(queued.executionId);
    } catch (error) {
      setProblem(messageOf(error));
    }
  }

  const status = execution.data?.status;
  const finished = status !== undefined && status !== 'queued' && status !== 'running';
  // The run's end changes the instance's recent executions (and its last execution) above.
  useEffect(() => {
    if (finished)
      void queryClient.invalidateQueries({ queryKey: [...instanceKeys.detail(instance.id), 'executions'] });
  }, [finished, queryClient, instance.id]);

  return (
    <Section title="Test run" id="instance-test">
      <form
        className="stack instance-test"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void runTest();
        }}
      >
        <div className="row wrap instance-test-top">
          <div className="field">
            <label className="label" htmlFor={`${baseId}-flow`}>
              Flow
            </label>
            <select
              id={`${baseId}-flow`}
              className="select"
              data-testid="instance-test-flow"
              value={chosenFlow}
              onChange={(event) => setFlow(event.target.value)}
              disabled={flows.isPending}
            >
              {flowNames.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
            {flows.isError && <p className="error small">{messageOf(flows.error)}</p>}
          </div>
          <fieldset className="field instance-test-kind">
            <legend className="label">Payload</legend>
            <div className="row wrap">
              {(['json', 'text', 'file'] as const).map((option) => (
                <label key={option} className="row instance-radio">
                  <input
                    type="radio"
                    name={`${baseId}-kind`}
                    value={option}
                    checked={kind === option}
                    onChange={() => {
                      setKind(option);
                      setContentType(defaultContentType[option]);
                      setProblem(undefined);
                    }}
                  />
                  {option === 'json' ? 'JSON' : option === 'text' ? 'Raw text' : 'File'}
                </label>
              ))}
            </div>
          </fieldset>
          <div className="field">
            <label className="label" htmlFor={`${baseId}-type`}>
              Content type
            </label>
            <input
              id={`${baseId}-type`}
              className="input mono"
              data-testid="instance-test-content-type"
              value={contentType}
              onChange={(event) => setContentType(event.target.value)}
            />
          </div>
        </div>
        {kind === 'file' ? (
          <div className="field">
            <label className="label" htmlFor={`${baseId}-file`}>
              File
            </label>
            <input
              id={`${baseId}-file`}
              type="file"
              data-testid="instance-test-payload"
              onChange={(event) => {
                const chosen = event.target.files?.[0];
                setFile(chosen);
                if (chosen?.type) setContentType(chosen.type);
              }}
            />
          </div>
        ) : (
          <div className="field">
            <label className="label" htmlFor={`${baseId}-payload`}>
              {kind === 'json' ? 'JSON body' : 'Body'}
            </label>
            <textarea
              id={`${baseId}-payload`}
              className="textarea mono instance-test-payload"
              data-testid="instance-test-payload"
              rows={8}
              spellCheck={false}
              value={payload}
              aria-invalid={problem?.startsWith('The payload') ? true : undefined}
              onChange={(event) => setPayload(event.target.value)}
              onKeyDown={(event) => {
                // Tab indents in the editor; Esc then Tab leaves it (keyboard users are never trapped).
                if (event.key === 'Tab' && !event.shiftKey && !event.currentTarget.dataset.escaped) {
                  event.preventDefault();
                  const target = event.currentTarget;
                  const { selectionStart, selectionEnd } = target;
                  const next = `${payload.slice(0, selectionStart)}  ${payload.slice(selectionEnd)}`;
                  setPayload(next);
                  requestAnimationFrame(() =>
                    target.setSelectionRange(selectionStart + 2, selectionStart + 2),
                  );
                } else if (event.key === 'Escape') {
                  event.currentTarget.dataset.escaped = 'true';
                } else {
                  delete event.currentTarget.dataset.escaped;
                }
              }}
            />
            <p className="help small muted">Tab indents; press Esc, then Tab, to move on.</p>
          </div>
        )}
        <fieldset className="stack-tight instance-test-headers" data-testid="instance-test-headers">
          <legend className="label">Headers</legend>
          {headers.map((row, index) => (
            <div key={row.id} className="row instance-header-row">
              <input
                className="input mono"
                aria-label={`Header ${index + 1} name`}
                placeholder="Name"
                value={row.name}
                onChange={(event) =>
                  setHeaders((rows) =>
                    rows.map((candidate) =>
                      candidate.id === row.id ? { ...candidate, name: event.target.value } : candidate,
                    ),
                  )
                }
              />
              <input
                className="input mono"
                aria-label={`Header ${index + 1} value`}
                placeholder="Value"
                value={row.value}
                onChange={(event) =>
                  setHeaders((rows) =>
                    rows.map((candidate) =>
                      candidate.id === row.id ? { ...candidate, value: event.target.value } : candidate,
                    ),
                  )
                }
              />
              <button
                type="button"
                className="button"
                aria-label={`Remove header ${index + 1}`}
                onClick={() =>
                  setHeaders((rows) =>
                    rows.length === 1
                      ? [{ id: row.id + 1, name: '', value: '' }]
                      : rows.filter((candidate) => candidate.id !== row.id),
                  )
                }
              >
                Remove
              </button>
            </div>
          ))}
          <div>
            <button
              type="button"
              className="button"
              onClick={() =>
                setHeaders((rows) => [
                  ...rows,
                  { id: Math.max(0, ...rows.map((candidate) => candidate.id)) + 1, name: '', value: '' },
                ])
              }
            >
              Add header
            </button>
          </div>
        </fieldset>
        {problem && <ErrorNotice>{problem}</ErrorNotice>}
        <div className="row">
          <button
            type="submit"
            className="button primary"
            data-testid="instance-test-run"
            disabled={testRun.isPending || !chosenFlow}
          >
            {testRun.isPending ? 'Starting…' : 'Run test'}
          </button>
        </div>
      </form>

      <div aria-live="polite" className="stack">
        {executionId && (
          <div className="stack instance-test-result" data-testid="instance-test-result">
            <div className="row wrap">
              <h3 className="spacer">Result</h3>
              {status && <Badge kind={status}>{status}</Badge>}
              <Link href={`~/executions/${executionId}`}>Open the execution</Link>
            </div>
            {execution.isError && <ErrorNotice>{messageOf(execution.error)}</ErrorNotice>}
            <ExecutionDetail key={executionId} executionId={executionId} />
          </div>
        )}
      </div>
    </Section>
  );
}
