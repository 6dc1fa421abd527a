/**
 * `weft marketplace:list|activate` (what a customer may activate, and activating it for them) and
 * `weft integrations:marketplace` (an integration's marketplace settings).
 */
import type { ApiSchema } from '@weft/client';
import type { Command } from 'commander';
import { printAnswerOf } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { collect, versionNumber } from '../../options.js';
import { type Column, formatRecord, formatTable, short, yesNo } from '../../output.js';

type MarketplaceIntegration = ApiSchema<'MarketplaceIntegration'>;
type MarketplaceSettings = ApiSchema<'MarketplaceSettings'>;
type MarketplaceList = ApiSchema<'MarketplaceList'>;

/** A customer's instances of an integration, for people: `2 (active, unconfigured)`. */
function instancesText(item: MarketplaceIntegration): string {
  if (item.instances.length === 0) return '-';
  const states = item.instances.map(
    (instance) =>
      `${instance.status}${instance.needsConfiguration ? ', needs configuration' : ''}${instance.upgradeAvailable ? ', upgrade' : ''}`,
  );
  return `${item.instances.length} (${states.join('; ')})`;
}

const columns = (withInstances: boolean): Column<MarketplaceIntegration>[] => [
  { header: 'id', value: (item) => item.id },
  { header: 'name', value: (item) => item.name },
  { header: 'category', value: (item) => item.category ?? '' },
  { header: 'version', value: (item) => (item.versionNumber === null ? '-' : String(item.versionNumber)) },
  { header: 'self-serve', value: (item) => yesNo(item.customerDeployable) },
  { header: 'multiple', value: (item) => yesNo(item.allowMultipleInstances) },
  ...(withInstances ? [{ header: 'instances', value: instancesText }] : []),
];

function listText(list: MarketplaceList): string {
  const heading = list.customer
    ? `Marketplace of ${list.customer.name}${list.customer.externalId ? ` (${list.customer.externalId})` : ''}\n`
    : '';
  return `${heading}${formatTable(list.items, columns(list.customer !== null))}`;
}

function settingsText(settings: MarketplaceSettings): string {
  return formatRecord({
    integration: settings.integrationId,
    listed: yesNo(settings.listed),
    'customer-deployable': yesNo(settings.customerDeployable),
    'multiple instances': yesNo(settings.allowMultipleInstances),
    version:
      settings.versionNumber === null
        ? `newest available (${settings.offeredVersionNumber ?? 'none'})`
        : `${settings.versionNumber} (pinned)`,
    available: settings.availableVersions.join(', ') || 'none',
    overview: settings.overview ? short(settings.overview, 70) : '(none)',
  });
}

interface ListFlags {
  customer?: string;
  category?: string;
  label?: string[];
  search?: string;
  includeActive?: boolean;
}

interface SettingsFlags {
  listed?: boolean;
  overview?: string;
  deployable?: boolean;
  multiple?: boolean;
  version?: number;
  latest?: boolean;
}

export function registerMarketplaceCommands(program: Command): void {
  program
    .command('marketplace:list')
    .description("List the marketplace's integrations, as a customer sees them with --customer")
    .option(
      '-c, --customer <customer>',
      "see it as this customer (id or external id), with the customer's instances",
    )
    .option('--category <category>', 'only this category')
    .option('-l, --label <label>', 'only integrations with this label; repeat for several', collect)
    .option('-s, --search <text>', 'match name or description')
    .option('--include-active', 'also unlisted integrations the customer has an instance of')
    .action(
      apiAction(({ weft, json }, flags: ListFlags) => {
        const query = {
          customer: flags.customer,
          category: flags.category,
          label: flags.label,
          search: flags.search,
          includeActive: flags.includeActive ? true : undefined,
        };
        return printAnswerOf(json, weft.GET('/api/marketplace', { params: { query } }), listText);
      }),
    );

  program
    .command('marketplace:activate <integration>')
    .description(
      "Activate a marketplace integration for a customer: creates the customer's instance; prints its id",
    )
    .requiredOption('-c, --customer <customer>', 'the customer (id or external id)')
    .option('-n, --name <name>', "the instance's name (default: the integration's)")
    .action(
      apiAction(({ weft, json }, integrationId: string, flags: { customer: string; name?: string }) =>
        printAnswerOf(
          json,
          weft.POST('/api/marketplace/{integrationId}/activate', {
            params: { path: { integrationId } },
            body: { customer: flags.customer, name: flags.name },
          }),
          (activation) =>
            `${activation.instance.id}\nActivated ${activation.integration.name} v${activation.instance.versionNumber} for ${activation.customer.name} as '${activation.instance.name}'; configure it, then deploy it (weft instances:deploy ${activation.instance.id}).\n`,
        ),
      ),
    );

  program
    .command('integrations:marketplace <id>')
    .description("Show or change an integration's marketplace settings (no option: show them)")
    .option('--listed', 'list it in the marketplace')
    .option('--no-listed', 'take it off the marketplace (activated instances stay)')
    .option('--overview <markdown>', 'the overview customers read')
    .option('--deployable', 'customers may activate it themselves')
    .option('--no-deployable', 'only the organization activates it for them')
    .option('--multiple', 'a customer may activate it more than once')
    .option('--no-multiple', 'one instance per customer')
    .option('-v, --version <n>', 'pin this available version for activations', versionNumber)
    .option('--latest', 'offer the newest available version (unpin)')
    .action(
      apiAction(async ({ weft, json }, id: string, flags: SettingsFlags) => {
        if (flags.version !== undefined && flags.latest) {
          throw new CliError('Pass --version N or --latest, not both.', 2);
        }
        const body = {
          ...(flags.listed !== undefined ? { listed: flags.listed } : {}),
          ...(flags.overview !== undefined ? { overview: flags.overview } : {}),
          ...(flags.deployable !== undefined ? { customerDeployable: flags.deployable } : {}),
          ...(flags.multiple !== undefined ? { allowMultipleInstances: flags.multiple } : {}),
          ...(flags.version !== undefined ? { versionNumber: flags.version } : {}),
          ...(flags.latest ? { versionNumber: null } : {}),
        };
        const params = { path: { id } };
        if (Object.keys(body).length === 0) {
          return printAnswerOf(
            json,
            weft.GET('/api/integrations/{id}/marketplace', { params }),
            settingsText,
          );
        }
        return printAnswerOf(
          json,
          weft.PUT('/api/integrations/{id}/marketplace', { params, body }),
          settingsText,
        );
      }),
    );
}
