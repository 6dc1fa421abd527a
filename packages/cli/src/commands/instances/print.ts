/** How instances, their config values and deploy outcomes print. */
import type { ApiSchema } from '@weft/client';
import { type Column, formatRecord, formatTable, short, yesNo } from '../../output.js';

type Instance = ApiSchema<'Instance'>;
type ConfigVariable = ApiSchema<'InstanceDetail'>['configVariables'][number];

/** A UUID names a customer by id; anything else by its external id. */
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const instanceColumns: Column<Instance>[] = [
  { header: 'id', value: (i) => i.id },
  { header: 'name', value: (i) => i.name },
  { header: 'customer', value: (i) => i.customer.name },
  { header: 'integration', value: (i) => i.integration.name },
  { header: 'version', value: (i) => String(i.versionNumber) },
  {
    header: 'deployed',
    value: (i) => (i.deployedVersionNumber === null ? 'no' : `v${i.deployedVersionNumber}`),
  },
  { header: 'enabled', value: (i) => yesNo(i.enabled) },
  { header: 'labels', value: (i) => i.labels.join(',') },
];

const secretTypes = new Set(['connection', 'credential']);

/** A config value for people: secrets as "(set)", text as is, anything else as JSON, cut to one short line. */
function configValueText(variable: ConfigVariable): string {
  if (variable.value === null || variable.value === undefined) return '(unset)';
  if (secretTypes.has(variable.dataType)) return '(set)';
  return short(typeof variable.value === 'string' ? variable.value : JSON.stringify(variable.value), 60);
}

const configColumns: Column<ConfigVariable>[] = [
  { header: 'variable', value: (v) => v.key },
  { header: 'type', value: (v) => (v.collectionType ? `${v.dataType} (${v.collectionType})` : v.dataType) },
  { header: 'value', value: configValueText },
];

export function instanceRecord(instance: Instance): string {
  return formatRecord({
    id: instance.id,
    name: instance.name,
    description: instance.description,
    labels: instance.labels.join(', '),
    enabled: yesNo(instance.enabled),
    customer: `${instance.customer.name} (${instance.customer.externalId ?? instance.customer.id})`,
    integration: `${instance.integration.name} (${instance.integration.id})`,
    version: String(instance.versionNumber),
    created: instance.createdAt,
    updated: instance.updatedAt,
  });
}

/** The instance's record, then a table of its config values. */
export function instanceDetailText(instance: ApiSchema<'InstanceDetail'>): string {
  return `${instanceRecord(instance)}\n${formatTable(instance.configVariables, configColumns)}`;
}

export function deployText(outcome: ApiSchema<'DeployOutcome'>): string {
  return [
    `Deployed version ${outcome.deployedVersionNumber} of ${outcome.instance.integration.name} to ${outcome.instance.name} (${outcome.instance.id}).\n`,
    ...outcome.deployExecutions.map((run) => `Deploy flow ${run.flow} queued: execution ${run.id}\n`),
  ].join('');
}
