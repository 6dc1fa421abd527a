/** `executions:show`, and how an execution prints (`instances:test --wait` prints it the same way). */
import type { ApiSchema } from '@weft/client';
import type { Command } from 'commander';
import { printAnswerOf } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { type Column, errorText, formatRecord, formatTable, short } from '../../output.js';

type Execution = ApiSchema<'Execution'>;

const stepColumns: Column<Execution['stepRecords'][number]>[] = [
  { header: 'step', value: (s) => s.name },
  {
    header: 'status',
    value: (s) => (s.iterations === undefined ? s.status : `${s.status} (${s.iterations}×)`),
  },
  {
    header: 'result',
    value: (s) => (s.result === undefined || s.result === null ? '' : short(JSON.stringify(s.result), 60)),
  },
];

function logLines(logs: Execution['logs']): string {
  if (logs.length === 0) return '(none)\n';
  return logs
    .map((log) => {
      const step = log.stepKey ? ` [${log.stepKey}]` : '';
      return `${log.timestamp} ${log.level.toUpperCase().padEnd(5)}${step} ${log.message}\n`;
    })
    .join('');
}

/** An execution for people: its record, its steps, its logs. */
export function executionText(execution: Execution): string {
  const record = formatRecord({
    id: execution.id,
    flow: execution.flow,
    instance: execution.instanceId,
    status: execution.status,
    attempt: String(execution.attempt),
    queued: execution.queuedAt,
    started: execution.startedAt ?? '-',
    finished: execution.finishedAt ?? '-',
    duration: execution.durationMs === null ? '-' : `${execution.durationMs} ms`,
    ...(execution.componentVersions
      ? {
          components: Object.entries(execution.componentVersions)
            .map(([key, version]) => `${key}@${version}`)
            .join(', '),
        }
      : {}),
    ...(execution.error !== undefined ? { error: errorText(execution.error, { withStep: true }) } : {}),
  });
  return `${record}\nSteps:\n${formatTable(execution.stepRecords, stepColumns)}\nLogs:\n${logLines(execution.logs)}`;
}

export function registerExecutionShow(program: Command): void {
  program
    .command('executions:show <id>')
    .description("Show an execution: its status, duration, error, each step's result and the logs")
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(json, weft.GET('/api/executions/{id}', { params: { path: { id } } }), executionText),
      ),
    );
}
