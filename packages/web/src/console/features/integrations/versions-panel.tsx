import { useState } from 'react';
import { messageOf } from '../../../shared/api.js';
import { Badge, ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { Section } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { downloadText, yamlFileName } from './download.js';
import { useExportYaml, useSetVersionAvailable } from './mutations.js';
import { useIntegrationVersions } from './queries.js';
import { hasUnpublishedChanges, type IntegrationSummary } from './state.js';

/** The draft and every published version, newest first: availability, the YAML of each, publish and delete. */
export function VersionsPanel({
  integration,
  onPublish,
  onDelete,
}: {
  integration: IntegrationSummary;
  onPublish: (() => void) | undefined;
  onDelete: (() => void) | undefined;
}) {
  const { can } = useConsole();
  const versions = useIntegrationVersions(integration.id);
  const setAvailable = useSetVersionAvailable(integration.id);
  const exportYaml = useExportYaml(integration.id);
  const [downloadError, setDownloadError] = useState<string | undefined>(undefined);
  const mayPublish = can('integrations:publish');

  const download = async (version?: number) => {
    setDownloadError(undefined);
    try {
      downloadText(await exportYaml(version), yamlFileName(integration.name, version ?? 'draft'));
    } catch (error) {
      setDownloadError(messageOf(error));
    }
  };

  return (
    <div className="stack">
      <Section title="Versions" id="versions">
        <p className="small muted">
          Each publish freezes the draft as a numbered version. Unavailable versions cannot be deployed or
          chosen for an upgrade; instances already on them keep running.
        </p>
        {downloadError && <ErrorNotice>{downloadError}</ErrorNotice>}
        {versions.isPending ? (
          <Loading label="Loading versions…" />
        ) : versions.isError ? (
          <ErrorNotice onRetry={() => versions.refetch()}>{messageOf(versions.error)}</ErrorNotice>
        ) : (
          <div className="table-wrap">
            <table className="table versions-table" data-testid="versions-table">
              <caption className="visually-hidden">Versions of {integration.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Published</th>
                  <th scope="col">By</th>
                  <th scope="col">Comment</th>
                  <th scope="col">Available</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <tr className="draft-row" data-testid="versions-draft-row">
                  <th scope="row">Draft</th>
                  <td>
                    {hasUnpublishedChanges(integration) ? (
                      <Badge kind="paused">Unpublished changes</Badge>
                    ) : (
                      <span className="muted">Same as version {integration.latestVersionNumber}</span>
                    )}
                  </td>
                  <td />
                  <td className="small muted">
                    Changed <When value={integration.draftUpdatedAt} />
                  </td>
                  <td />
                  <td>
                    <span className="row wrap gap-small end">
                      <button type="button" className="button small-button" onClick={() => void download()}>
                        Export YAML
                      </button>
                      {onPublish && (
                        <button
                          type="button"
                          className="button primary small-button"
                          onClick={onPublish}
                          data-testid="versions-publish"
                        >
                          Publish
                        </button>
                      )}
                    </span>
                  </td>
                </tr>
                {versions.data.items.map((version) => (
                  <tr key={version.id} data-testid="version-row">
                    <th scope="row" className="mono">
                      v{version.versionNumber}
                    </th>
                    <td>
                      <When value={version.publishedAt} />
                    </td>
                    <td>
                      {version.publishedBy ?? (
                        <span
                          className="muted"
                          title="Published from a console session, or by a token since deleted"
                        >
                          Not recorded
                        </span>
                      )}
                    </td>
                    <td className="version-comment">
                      {version.comment || <span className="muted">No comment</span>}
                    </td>
                    <td>
                      {mayPublish ? (
                        <label className="switch">
                          <input
                            type="checkbox"
                            role="switch"
                            aria-checked={version.available}
                            checked={version.available}
                            disabled={
                              setAvailable.isPending &&
                              setAvailable.variables?.versionNumber === version.versionNumber
                            }
                            onChange={(event) =>
                              setAvailable.mutate({
                                versionNumber: version.versionNumber,
                                available: event.target.checked,
                              })
                            }
                            aria-label={`Version ${version.versionNumber} available`}
                            data-testid={`version-available-${version.versionNumber}`}
                          />
                          <span>{version.available ? 'Available' : 'Unavailable'}</span>
                        </label>
                      ) : version.available ? (
                        <Badge kind="active">Available</Badge>
                      ) : (
                        <Badge kind="unconfigured">Unavailable</Badge>
                      )}
                    </td>
                    <td>
                      <span className="row wrap gap-small end">
                        <button
                          type="button"
                          className="button small-button"
                          onClick={() => void download(version.versionNumber)}
                          aria-label={`Download the YAML of version ${version.versionNumber}`}
                          data-testid={`version-download-${version.versionNumber}`}
                        >
                          Download YAML
                        </button>
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {versions.data.items.length === 0 && (
              <p className="muted small versions-empty">
                Not published yet. Customers can deploy it once a version is published.
              </p>
            )}
          </div>
        )}
      </Section>
      {onDelete && (
        <Section title="Delete this integration" id="danger">
          <div className="row wrap">
            <p className="spacer small muted">
              Deletes the draft, every version and the attachments.{' '}
              {integration.instanceCount > 0
                ? `Its ${integration.instanceCount} instance${integration.instanceCount === 1 ? '' : 's'} would be deleted too.`
                : 'No customer has an instance of it.'}
            </p>
            <button
              type="button"
              className="button danger"
              onClick={onDelete}
              data-testid="integration-delete"
            >
              Delete integration
            </button>
          </div>
        </Section>
      )}
    </div>
  );
}
