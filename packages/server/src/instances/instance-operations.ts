import { isWeftError, WeftError } from '../errors.js';
import type { ExecutionWaiter } from '../executions/execution-waiter.js';
import { deployConfiguredVersion, removeInstance, setInstanceVersion } from './instance-deploy.js';
import { runTriggerLifecycle } from './instance-lifecycle.js';
import type { InstanceRuntimeDeps } from './instance-runtime.js';
import type { DeployOutcome, Instance, RemoveOutcome, Upgrade, UpgradeOutcome } from './instance-schemas.js';
import { getInstance, setInstanceEnabled, versionToDeploy } from './instance-store.js';
import { syncWebhookRegistrations, webhookRegistrationError } from './webhook-registrations.js';

/**
 * The instance changes that take more than one step: a deploy (the version's records, then the triggers' webhook
 * registrations and onInstanceDeploy), an upgrade (then a redeploy), a pause or unpause (then the webhook
 * registrations), a delete (webhooks removed and onInstanceDelete run before the remove flows and the delete).
 * `baseUrl` is what webhook URLs are built on.
 */

export interface InstanceOperationDeps extends InstanceRuntimeDeps {
  waiter: ExecutionWaiter;
  /** How long a delete waits for remove-trigger flows. */
  removeWaitMs: number;
}

/**
 * After a deploy (or an upgrade's redeploy): webhook registrations are brought up to date, then the triggers'
 * onInstanceDeploy run. Either failing throws (422; the deploy stands); registrations that failed are recorded.
 */
async function afterDeploy(deps: InstanceRuntimeDeps, orgId: string, id: string, baseUrl: string) {
  const webhooks = await syncWebhookRegistrations(deps, orgId, id, baseUrl);
  await runTriggerLifecycle(deps, orgId, id, 'onInstanceDeploy', baseUrl);
  if (webhooks.failures.length > 0)
    throw webhookRegistrationError('The instance was deployed', webhooks.failures);
}

/** Deploys the instance's configured version; throws INSTANCE_CONFIG_INCOMPLETE (nothing changed) when values are missing. */
export async function deployInstance(
  deps: InstanceRuntimeDeps,
  orgId: string,
  id: string,
  baseUrl: string,
): Promise<DeployOutcome> {
  const outcome = await deployConfiguredVersion(deps.db, orgId, id);
  await afterDeploy(deps, orgId, id, baseUrl);
  return { instance: await getInstance(deps.db, orgId, id), ...outcome };
}

/**
 * Sets the instance to an available version (the newest by default) and redeploys a deployed instance unless
 * `deploy` is false. When the redeploy is blocked by a missing value the version stays set, and the error says
 * which version keeps running.
 */
export async function upgradeInstance(
  deps: InstanceRuntimeDeps,
  orgId: string,
  id: string,
  upgrade: Upgrade,
  baseUrl: string,
): Promise<UpgradeOutcome> {
  const { db } = deps;
  const current = await getInstance(db, orgId, id);
  const version = await versionToDeploy(db, orgId, current.integration, upgrade.versionNumber);
  const { wasDeployed } = await setInstanceVersion(db, orgId, id, version);
  let deployed: DeployOutcome | null = null;
  if (wasDeployed && upgrade.deploy !== false) {
    try {
      deployed = await deployInstance(deps, orgId, id, baseUrl);
    } catch (error) {
      if (isWeftError(error) && error.code === 'INSTANCE_CONFIG_INCOMPLETE') {
        throw new WeftError(
          'INSTANCE_CONFIG_INCOMPLETE',
          `The instance is set to version ${version.version_number}, but it was not deployed: ${error.message.replace(/^Version \d+ cannot be deployed: /, '')} Version ${current.deployedVersionNumber} keeps running.`,
          error.details,
        );
      }
      throw error;
    }
  }
  return { instance: await getInstance(db, orgId, id), deployed };
}

/**
 * Pauses (`enabled` false) or unpauses the instance, then brings its webhook registrations to match: a failing
 * registration throws WEBHOOK_REGISTRATION_FAILED, and the change stands.
 */
export async function enableInstance(
  deps: InstanceRuntimeDeps,
  orgId: string,
  id: string,
  enabled: boolean,
  baseUrl: string,
): Promise<Instance> {
  const instance = await setInstanceEnabled(deps.db, orgId, id, enabled);
  const webhooks = await syncWebhookRegistrations(deps, orgId, instance.id, baseUrl);
  if (webhooks.failures.length > 0) {
    throw webhookRegistrationError(`The instance is ${enabled ? 'unpaused' : 'paused'}`, webhooks.failures);
  }
  return instance;
}

/**
 * Deletes the instance. Webhooks its triggers registered are removed first and the triggers' onInstanceDelete run;
 * neither failing keeps the instance alive (they are logged, and the removals answered), then the remove-trigger
 * flows run and the instance and its data are deleted.
 */
export async function deleteInstance(
  deps: InstanceOperationDeps,
  orgId: string,
  id: string,
  baseUrl: string,
): Promise<RemoveOutcome> {
  const { db, log } = deps;
  const webhooks = await syncWebhookRegistrations(deps, orgId, id, baseUrl, { remove: true });
  for (const failure of webhooks.failures)
    log.warn({ instanceId: id, error: failure.message }, 'webhookDelete failed');
  await runTriggerLifecycle(deps, orgId, id, 'onInstanceDelete', baseUrl).catch((error: Error) =>
    log.warn({ instanceId: id, error: error.message }, 'onInstanceDelete failed'),
  );
  const outcome = await removeInstance(db, deps.waiter, orgId, id, deps.removeWaitMs);
  const webhookRemovals = [
    ...webhooks.deleted.map((flow) => ({ flow, status: 'removed' as const })),
    ...webhooks.failures.map((failure) => ({
      flow: failure.flow,
      status: 'failed' as const,
      error: failure.message,
    })),
  ];
  return { deleted: true, ...outcome, ...(webhookRemovals.length > 0 ? { webhookRemovals } : {}) };
}
