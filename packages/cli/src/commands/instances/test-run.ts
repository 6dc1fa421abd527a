/** `instances:test`: test-run one of an instance's flows, and with --wait follow the execution to its end. */
import { setTimeout } from 'node:timers/promises';
import { answerOf, type WeftClient } from '@weft/client';
import type { Command } from 'commander';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { readPayload } from '../../files.js';
import { header } from '../../options.js';
import { errorText, printAnswer } from '../../output.js';
import { executionText } from '../executions/show.js';

/** How often and how long `instances:test --wait` asks for the execution. */
const pollIntervalMs = 200;
const waitTimeoutMs = 60_000;

/** Polls the execution until it is no longer queued or running, with progress on stderr. */
async function waitForExecution(weft: WeftClient, id: string) {
  const deadline = AbortSignal.timeout(waitTimeoutMs);
  let lastStatus: string | undefined;
  for (;;) {
    const execution = await answerOf(weft.GET('/api/executions/{id}', { params: { path: { id } } }));
    if (execution.status !== lastStatus) {
      process.stderr.write(`• Execution ${id} ${execution.status}…\n`);
      lastStatus = execution.status;
    }
    if (execution.status !== 'queued' && execution.status !== 'running') return execution;
    if (deadline.aborted) {
      throw new CliError(
        `Execution ${id} is still ${execution.status} after ${waitTimeoutMs / 1000} s; is a worker running? Follow it with \`weft executions:show ${id}\`.`,
      );
    }
    await setTimeout(pollIntervalMs, undefined, { signal: deadline }).catch(() => undefined);
  }
}

interface TestFlags {
  flow: string;
  payload?: string;
  contentType: string;
  header?: Record<string, string>;
  wait?: boolean;
}

export function registerTestRunCommand(program: Command): void {
  program
    .command('instances:test <id>')
    .description(
      "Test-run one of an instance's flows; prints the execution id (--wait: the finished execution)",
    )
    .requiredOption('-f, --flow <name>', 'the flow name')
    .option('-p, --payload <file>', 'the request body (read as JSON unless --content-type says otherwise)')
    .option('--content-type <type>', 'the content type of the payload', 'application/json')
    .option('-H, --header <header>', '"Name: value" request header; repeat for several', header)
    .option('-w, --wait', 'wait for the execution to finish and print it (exit 1 when it failed)')
    .action(
      apiAction(async ({ weft, json }, id: string, flags: TestFlags) => {
        const payload =
          flags.payload === undefined ? undefined : await readPayload(flags.payload, flags.contentType);
        const { executionId } = await answerOf(
          weft.POST('/api/instances/{id}/flows/{flowName}/test', {
            params: { path: { id, flowName: flags.flow } },
            body: { ...payload, contentType: flags.contentType, headers: flags.header },
          }),
        );
        if (!flags.wait) return printAnswer(json, { executionId }, () => `${executionId}\n`);
        const execution = await waitForExecution(weft, executionId);
        printAnswer(json, execution, executionText);
        if (execution.status !== 'succeeded') {
          const reason = errorText(execution.error, { withStep: true });
          throw new CliError(`Execution ${executionId} ${execution.status}${reason ? `: ${reason}` : '.'}`);
        }
      }),
    );
}
