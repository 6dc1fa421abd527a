import type { ApiSchema } from '../../../shared/api.js';
import { Badge } from '../../../shared/ui.js';

export type IntegrationSummary = ApiSchema<'Integration'>;

/** Whether the draft changed since the latest version was published (what a new version would carry). */
export function hasUnpublishedChanges(integration: IntegrationSummary): boolean {
  if (!integration.latestPublishedAt) return true;
  return new Date(integration.draftUpdatedAt).getTime() > new Date(integration.latestPublishedAt).getTime();
}

/** "v3" with "Published" or "Draft changes", or "Draft only" before the first publish. */
export function PublishState({ integration }: { integration: IntegrationSummary }) {
  if (integration.latestVersionNumber === null) return <Badge kind="unconfigured">Draft only</Badge>;
  return (
    <span className="row wrap gap-small">
      <span className="mono">v{integration.latestVersionNumber}</span>
      {hasUnpublishedChanges(integration) ? (
        <Badge kind="paused">Draft changes</Badge>
      ) : (
        <Badge kind="active">Published</Badge>
      )}
    </span>
  );
}
