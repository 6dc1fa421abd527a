/** `connections:customers|set-customer|delete-customer`: the customers' credentials of a per-customer connection. */
import { answerOf } from '@weft/client';
import type { Command } from 'commander';
import { printItems } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { printAnswer } from '../../output.js';
import { customerConnectionRecord, inputsText } from './print.js';
import { checkedInputs, type ValueFlags, valuesOf, withValueOptions } from './values.js';

const customerOption = ['--customer <customer>', 'customer id, or external id'] as const;

export function registerCustomerCredentials(program: Command): void {
  program
    .command('connections:customers <connection>')
    .description("List the customers' credentials of a per-customer connection")
    .action(
      apiAction(({ weft, json }, connection: string) =>
        printItems(
          json,
          weft.GET('/api/connections/{id}/customers', { params: { path: { id: connection } } }),
          [
            { header: 'customer', value: (e) => e.customer.name },
            { header: 'external id', value: (e) => e.customer.externalId ?? '' },
            { header: 'status', value: (e) => e.credentials.status },
            { header: 'inputs', value: (e) => inputsText(e.credentials.fields) },
            { header: 'updated', value: (e) => e.credentials.updatedAt },
          ],
        ),
      ),
    );

  withValueOptions(
    program
      .command('connections:set-customer <connection>')
      .description(
        "Set one customer's input values for a per-customer connection (merged into the customer's stored ones)",
      )
      .requiredOption(...customerOption),
  ).action(
    apiAction(async ({ weft, json }, connection: string, flags: ValueFlags & { customer: string }) => {
      const values = await valuesOf(flags);
      if (!values) throw new CliError('Nothing to set: pass --set, --unset or --values-file.', 2);
      const entry = await checkedInputs(
        answerOf(
          weft.PUT('/api/connections/{id}/customers/{customer}', {
            params: { path: { id: connection, customer: flags.customer } },
            body: { values },
          }),
        ),
      );
      printAnswer(json, entry, customerConnectionRecord);
    }),
  );

  program
    .command('connections:delete-customer <connection>')
    .description("Delete one customer's credentials of a per-customer connection")
    .requiredOption(...customerOption)
    .action(
      apiAction(async ({ weft, json }, connection: string, flags: { customer: string }) => {
        await answerOf(
          weft.DELETE('/api/connections/{id}/customers/{customer}', {
            params: { path: { id: connection, customer: flags.customer } },
          }),
        );
        printAnswer(
          json,
          { connection, customer: flags.customer, deleted: true },
          () => `Deleted the credentials of customer ${flags.customer} for ${connection}\n`,
        );
      }),
    );
}
