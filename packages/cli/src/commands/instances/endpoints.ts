/** `instances:flows` and `instances:api-keys`: how an instance's flows are reached. */
import { type ApiSchema, answerOf } from '@weft/client';
import type { Command } from 'commander';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { collect } from '../../options.js';
import { type Column, formatTable, printAnswer, printJson, yesNo } from '../../output.js';

const flowColumns: Column<ApiSchema<'FlowEndpoint'>>[] = [
  { header: 'flow', value: (flow) => flow.flow },
  {
    header: 'trigger',
    value: (flow) =>
      flow.schedule ? `${flow.trigger} ${flow.schedule.cron} (${flow.schedule.timeZone})` : flow.trigger,
  },
  { header: 'sync', value: (flow) => yesNo(flow.isSynchronous) },
  { header: 'security', value: (flow) => flow.endpointSecurityType },
  { header: 'webhook url', value: (flow) => flow.webhookUrl ?? '(deploy first)' },
];

/** The instance's (or the integration's shared) endpoint, its flows, and the API keys they accept. */
function endpointsText(endpoints: ApiSchema<'InstanceEndpoints'>): string {
  let text = '';
  if (endpoints.sharedWebhookUrl) {
    text += `Shared endpoint (one URL for every customer, routed by customer and flow): ${endpoints.sharedWebhookUrl}\n\n`;
  } else if (endpoints.instanceWebhookUrl) {
    text += `Instance endpoint (${endpoints.endpointType}): ${endpoints.instanceWebhookUrl}\n\n`;
  }
  text += formatTable(endpoints.flows, flowColumns);
  const keys = [...new Set(endpoints.flows.flatMap((flow) => flow.apiKeys))];
  if (keys.length > 0) text += `\nAPI keys (send one as Api-Key): ${keys.join(', ')}\n`;
  return text;
}

export function registerEndpointCommands(program: Command): void {
  program
    .command('instances:flows <id>')
    .description("An instance's flows with their webhook URLs, API keys and schedules")
    .action(
      apiAction(async ({ weft, json }, id: string) => {
        const endpoints = await answerOf(weft.GET('/api/instances/{id}/flows', { params: { path: { id } } }));
        if (json) return printJson(endpoints.flows);
        process.stdout.write(endpointsText(endpoints));
      }),
    );

  program
    .command('instances:api-keys <id>')
    .description("Set or rotate the API keys an instance's secured webhooks accept (Api-Key header)")
    .option('--set <key>', 'a key to accept; repeat for several (replaces the current keys)', collect)
    .option('--rotate', 'replace every key with one newly generated key')
    .action(
      apiAction(async ({ weft, json }, id: string, flags: { set?: string[]; rotate?: boolean }) => {
        if (Boolean(flags.set) === Boolean(flags.rotate)) {
          throw new CliError('Pass either --set KEY (repeatable) or --rotate.', 2);
        }
        const params = { path: { id } };
        const { apiKeys } = await answerOf(
          flags.set
            ? weft.PUT('/api/instances/{id}/api-keys', { params, body: { apiKeys: flags.set } })
            : weft.POST('/api/instances/{id}/api-keys/rotate', { params }),
        );
        printAnswer(json, { apiKeys }, () => `${apiKeys.join('\n')}\n`);
      }),
    );
}
