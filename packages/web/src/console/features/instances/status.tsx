import { Badge } from '../../../shared/ui.js';
import type { Instance, Integration } from './queries.js';

export type InstanceState = 'unconfigured' | 'paused' | 'deployed';

/** Prismatic's instance states: never deployed (unconfigured), paused, or deployed and running. */
export function stateOf(instance: Pick<Instance, 'enabled' | 'deployedVersionNumber'>): InstanceState {
  if (instance.deployedVersionNumber === null) return 'unconfigured';
  return instance.enabled ? 'deployed' : 'paused';
}

const badgeKind: Record<InstanceState, string> = {
  unconfigured: 'unconfigured',
  paused: 'paused',
  deployed: 'active',
};

const stateLabel: Record<InstanceState, string> = {
  unconfigured: 'Unconfigured',
  paused: 'Paused',
  deployed: 'Deployed',
};

export function InstanceStatus({
  instance,
}: {
  instance: Pick<Instance, 'enabled' | 'deployedVersionNumber' | 'versionNumber'>;
}) {
  const state = stateOf(instance);
  const pending =
    instance.deployedVersionNumber !== null && instance.deployedVersionNumber !== instance.versionNumber;
  return (
    <span className="row instance-status">
      <Badge kind={badgeKind[state]}>{stateLabel[state]}</Badge>
      {pending && (
        <span className="small muted" title="The configured version is not the one running">
          v{instance.versionNumber} not deployed
        </span>
      )}
    </span>
  );
}

/** The newest version the instance could move to, when newer than its own (else undefined). */
export function newerVersion(
  instance: Pick<Instance, 'versionNumber'>,
  latest: number | null | undefined,
): number | undefined {
  return latest !== null && latest !== undefined && latest > instance.versionNumber ? latest : undefined;
}

/** "v4 available": the instance runs an older version than the integration's newest available one. */
export function VersionMarker({ latest, compact }: { latest: number | undefined; compact?: boolean }) {
  if (latest === undefined) return null;
  return (
    <span
      className="badge instance-version-marker"
      data-testid="instance-version-marker"
      title={`Version ${latest} of the integration is available`}
    >
      {compact ? `v${latest} available` : `New version v${latest} available`}
    </span>
  );
}

export function latestOf(integration: Integration | undefined): number | null | undefined {
  return integration?.latestVersionNumber;
}
