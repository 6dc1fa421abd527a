import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { markdownToHtml } from '../../../shared/html.js';
import { SanitizedHtml } from '../../../shared/sanitized-html.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { IfAllowed, useConsole } from '../../console-context.js';
import { CopyButton } from '../../ui/copy-button.js';
import { PageHeader } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { downloadText, yamlFileName } from './download.js';
import { FlowsPanel } from './flows-panel.js';
import { DeleteIntegrationDialog, ForkDialog, PublishDialog } from './integration-dialogs.js';
import { MarketplacePanel } from './marketplace-panel.js';
import { useExportYaml } from './mutations.js';
import { useIntegration } from './queries.js';
import { PublishState } from './state.js';
import { VersionsPanel } from './versions-panel.js';
import './integrations.css';

export type IntegrationTab = 'flows' | 'versions' | 'marketplace';

const tabs: Array<{ tab: IntegrationTab; label: string; path: string }> = [
  { tab: 'flows', label: 'Flows', path: '' },
  { tab: 'versions', label: 'Versions', path: '/versions' },
  { tab: 'marketplace', label: 'Marketplace', path: '/marketplace' },
];

type Dialog = 'publish' | 'fork' | 'delete' | null;

/** `/integrations/:id` (flows), `/:id/versions`, `/:id/marketplace`: one integration, its draft and versions. */
export default function IntegrationPage({ id, tab }: { id: string; tab: IntegrationTab }) {
  const integration = useIntegration(id);
  const { can } = useConsole();
  const [, navigate] = useLocation();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [exportError, setExportError] = useState<string | undefined>(undefined);
  const exportYaml = useExportYaml(id);

  if (integration.isPending) return <Loading label="Loading the integration…" />;
  if (integration.isError) {
    return (
      <div className="stack">
        <PageHeader title="Integration" back={{ href: '/', label: 'Integrations' }} />
        <ErrorNotice onRetry={() => integration.refetch()}>{messageOf(integration.error)}</ErrorNotice>
      </div>
    );
  }
  const data = integration.data;
  const downloadDraft = async () => {
    setExportError(undefined);
    try {
      downloadText(await exportYaml(), yamlFileName(data.name, 'draft'));
    } catch (error) {
      setExportError(messageOf(error));
    }
  };

  return (
    <div className="stack">
      <PageHeader
        title={data.name}
        back={{ href: '/', label: 'Integrations' }}
        meta={
          <>
            <PublishState integration={data} />
            {data.category && <span>{data.category}</span>}
            {data.labels.map((label) => (
              <span key={label} className="chip">
                {label}
              </span>
            ))}
            {data.isCodeNative && <span className="chip">Code-native</span>}
          </>
        }
        actions={
          <>
            <button
              type="button"
              className="button"
              onClick={() => void downloadDraft()}
              data-testid="integration-export-draft"
            >
              Export draft
            </button>
            <IfAllowed permission="integrations:write">
              <Link
                href={`/import?integration=${id}`}
                className="button"
                data-testid="integration-import-draft"
              >
                Import new draft
              </Link>
              <button
                type="button"
                className="button"
                onClick={() => setDialog('fork')}
                data-testid="integration-fork"
              >
                Fork
              </button>
            </IfAllowed>
            <IfAllowed permission="integrations:publish">
              <button
                type="button"
                className="button primary"
                onClick={() => setDialog('publish')}
                data-testid="integration-publish"
              >
                Publish
              </button>
            </IfAllowed>
          </>
        }
      />
      {exportError && <ErrorNotice>{exportError}</ErrorNotice>}

      <div className="integration-overview card">
        {data.iconUrl ? (
          <img src={data.iconUrl} alt="" className="integration-icon" />
        ) : (
          <span className="integration-icon placeholder" aria-hidden="true">
            {data.name.slice(0, 1).toUpperCase()}
          </span>
        )}
        <div className="stack-tight spacer">
          <p>{data.description || <span className="muted">No description.</span>}</p>
          <dl className="facts integration-facts">
            <div>
              <dt>Current version</dt>
              <dd>
                {data.latestVersionNumber === null
                  ? 'Not published yet'
                  : `Version ${data.latestVersionNumber}`}
              </dd>
            </div>
            <div>
              <dt>Draft changed</dt>
              <dd>
                <When value={data.draftUpdatedAt} />
              </dd>
            </div>
            <div>
              <dt>Flows</dt>
              <dd>{data.flowCount}</dd>
            </div>
            <div>
              <dt>Config variables</dt>
              <dd>{data.configVarCount}</dd>
            </div>
            <div>
              <dt>Marketplace</dt>
              <dd>{data.marketplaceListed ? 'Listed' : 'Not listed'}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>
                <When value={data.createdAt} />
              </dd>
            </div>
          </dl>
          {data.sharedWebhookUrl && (
            <div className="row wrap small">
              <span className="muted">Shared webhook URL</span>
              <code className="break-all">{data.sharedWebhookUrl}</code>
              <CopyButton value={data.sharedWebhookUrl} label="Copy URL" />
            </div>
          )}
          <div className="row wrap">
            <Link href={`~/instances?integration=${id}`} data-testid="integration-instances-link">
              Instances of this integration ({data.instanceCount})
            </Link>
            <Link href={`~/executions?integration=${id}`} data-testid="integration-executions-link">
              Executions
            </Link>
          </div>
        </div>
      </div>

      {data.documentation && (
        <details className="card integration-docs">
          <summary>Documentation for deployers</summary>
          <SanitizedHtml className="markdown" html={markdownToHtml(data.documentation)} />
        </details>
      )}

      <nav className="tabs integration-tabs" aria-label="Integration">
        {tabs.map((item) => (
          <Link
            key={item.tab}
            href={`/${id}${item.path}`}
            aria-current={item.tab === tab ? 'page' : undefined}
            data-testid={`integration-tab-${item.tab}`}
          >
            {item.label}
          </Link>
        ))}
      </nav>

      {tab === 'flows' && <FlowsPanel integration={data} />}
      {tab === 'versions' && (
        <VersionsPanel
          integration={data}
          onPublish={can('integrations:publish') ? () => setDialog('publish') : undefined}
          onDelete={can('integrations:write') ? () => setDialog('delete') : undefined}
        />
      )}
      {tab === 'marketplace' && <MarketplacePanel integration={data} />}

      {dialog === 'publish' && (
        <PublishDialog
          integration={data}
          onClose={() => setDialog(null)}
          onPublished={() => {
            setDialog(null);
            navigate(`/${id}/versions`);
          }}
        />
      )}
      {dialog === 'fork' && (
        <ForkDialog
          integration={data}
          onClose={() => setDialog(null)}
          onForked={(forkId) => {
            setDialog(null);
            navigate(`/${forkId}`);
          }}
        />
      )}
      {dialog === 'delete' && (
        <DeleteIntegrationDialog
          integration={data}
          onClose={() => setDialog(null)}
          onDeleted={() => navigate('/', { replace: true })}
        />
      )}
    </div>
  );
}
