import type { Kysely } from 'kysely';
import { WeftError } from '../errors.js';
import type { Database } from './schema.js';

/**
 * Refuses deleting instances by cascade (a customer, an integration with its instances) while any of them has a
 * webhook registered at a third party: the cascade would take the registration records with it and leave the
 * subscriptions behind. Deleting each instance (DELETE /api/instances/{id}) runs its webhookDelete first.
 */
export async function refuseWhileWebhooksRegistered(
  db: Kysely<Database>,
  orgId: string,
  instancesOf: { customerId: string } | { integrationId: string },
  what: string,
): Promise<void> {
  let query = db
    .selectFrom('instance_webhook_registrations as r')
    .innerJoin('instances as i', 'i.id', 'r.instance_id')
    .select(['i.id as instanceId', 'i.name as instanceName'])
    .distinct()
    .where('i.org_id', '=', orgId)
    .where('r.status', '=', 'registered');
  query =
    'customerId' in instancesOf
      ? query.where('i.customer_id', '=', instancesOf.customerId)
      : query.where('i.integration_id', '=', instancesOf.integrationId);
  const registered = await query.limit(20).execute();
  if (registered.length === 0) return;
  throw new WeftError(
    'WEBHOOKS_STILL_REGISTERED',
    `Deleting ${what} would delete ${registered.length === 20 ? 'at least 20 instances' : `${registered.length} instance${registered.length === 1 ? '' : 's'}`} with webhooks registered at a third party (${registered
      .slice(0, 3)
      .map((row) => `'${row.instanceName}'`)
      .join(', ')}${registered.length > 3 ? ', …' : ''}), leaving those subscriptions behind.`,
    { instanceIds: registered.map((row) => row.instanceId) },
  );
}
