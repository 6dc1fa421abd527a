import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { messageOf } from '../../shared/api.js';
import { markdownToHtml } from '../../shared/html.js';
import { SanitizedHtml } from '../../shared/sanitized-html.js';
import { ErrorNotice, Loading } from '../../shared/ui.js';
import { useEmbeddedApp } from '../embedded-app-context.js';
import {
  type MarketplaceInstance,
  type MarketplaceIntegration,
  useActivate,
  useInstanceAction,
  useMarketplaceItem,
} from '../marketplace-data.js';
import { InstanceStatusBadge, IntegrationIcon } from './marketplace-parts.js';

/** One integration of the marketplace: its overview, activation, and the customer's instances of it. */
export function IntegrationDetail({ integrationId }: { integrationId: string }) {
  const { t, identity, readOnly } = useEmbeddedApp();
  const item = useMarketplaceItem(integrationId);
  const activate = useActivate();
  const [, navigate] = useLocation();

  if (item.isPending) return <Loading />;
  if (item.isError) {
    return (
      <main className="page">
        <ErrorNotice onRetry={() => void item.refetch()}>{messageOf(item.error)}</ErrorNotice>
      </main>
    );
  }
  const integration = item.data;
  const canActivate =
    !readOnly &&
    integration.customerDeployable &&
    integration.versionNumber !== null &&
    (integration.instances.length === 0 || integration.allowMultipleInstances);

  return (
    <main className="page stack">
      <Link href="/marketplace" className="button link back">
        ← {t('detail.backToMarketplace')}
      </Link>
      <div className="detail-header">
        <IntegrationIcon item={integration} large />
        <div className="stack" style={{ gap: 4, flex: 1 }}>
          <h1>{integration.name}</h1>
          <div className="row small muted">
            {integration.category && (
              <span>
                {t('detail.categoryLabel')}: {integration.category}
              </span>
            )}
            {integration.versionNumber !== null && (
              <span>{t('detail.versionLabel', { version: integration.versionNumber })}</span>
            )}
          </div>
          {integration.labels.length > 0 && (
            <ul
              className="row"
              aria-label={t('detail.labelsLabel')}
              style={{ listStyle: 'none', margin: 0, padding: 0 }}
            >
              {integration.labels.map((label) => (
                <li key={label} className="chip">
                  {label}
                </li>
              ))}
            </ul>
          )}
        </div>
        {canActivate && (
          <button
            type="button"
            className="button primary"
            disabled={activate.isPending}
            onClick={() =>
              activate.mutate(integration.id, {
                onSuccess: (activation) => navigate(`/instances/${activation.instance.id}/configure`),
              })
            }
          >
            {integration.instances.length === 0 ? t('detail.activateButton') : t('detail.addInstanceButton')}
          </button>
        )}
      </div>
      {activate.isError && <ErrorNotice>{messageOf(activate.error)}</ErrorNotice>}
      {!integration.customerDeployable && integration.instances.length === 0 && (
        <div className="notice info">
          {t('integrations.id__banner.customerActivateText', { organization: identity.organization.name })}
        </div>
      )}
      {readOnly && <div className="notice info">{t('detail.readOnlyText')}</div>}
      {integration.instances.length > 0 && (
        <section className="card" aria-labelledby="instances-title">
          <h2 id="instances-title">{t('detail.instancesTitle')}</h2>
          {integration.instances.map((instance) => (
            <InstanceRow key={instance.id} integration={integration} instance={instance} />
          ))}
        </section>
      )}
      {integration.description && <p>{integration.description}</p>}
      {integration.overview && (
        <section className="card overview" aria-label={t('detail.overviewLabel')}>
          <SanitizedHtml html={markdownToHtml(integration.overview)} />
        </section>
      )}
    </main>
  );
}

function InstanceRow({
  integration,
  instance,
}: {
  integration: MarketplaceIntegration;
  instance: MarketplaceInstance;
}) {
  const { t, readOnly } = useEmbeddedApp();
  const action = useInstanceAction();
  const [confirming, setConfirming] = useState(false);
  const run = (name: 'pause' | 'unpause' | 'delete' | 'upgrade') =>
    action.mutate({ action: name, instance, integration });
  return (
    <div className="instance-row" data-testid="instance-row">
      <div className="stack" style={{ gap: 2, flex: 1, minWidth: 180 }}>
        <strong>{instance.name}</strong>
        <span className="row">
          <InstanceStatusBadge instance={instance} />
          {instance.upgradeAvailable && (
            <span className="small muted">{t('activateIntegrationDialog.upgradeAvailable')}</span>
          )}
        </span>
      </div>
      <div className="row">
        <Link href={`/instances/${instance.id}/configure`} className="button primary">
          {readOnly
            ? t('activateIntegrationDialog.viewButton')
            : t('activateIntegrationDialog.configureButton')}
        </Link>
        <Link href={`/dashboard?instance=${instance.id}`} className="button">
          {t('activateIntegrationDialog.activityButton')}
        </Link>
        {!readOnly && instance.deployed && (
          <button
            type="button"
            className="button"
            disabled={action.isPending}
            onClick={() => run(instance.enabled ? 'pause' : 'unpause')}
          >
            {instance.enabled
              ? t('activateIntegrationDialog.pauseButton')
              : t('activateIntegrationDialog.unpauseButton')}
          </button>
        )}
        {!readOnly && instance.upgradeAvailable && (
          <button type="button" className="button" disabled={action.isPending} onClick={() => run('upgrade')}>
            {t('activateIntegrationDialog.upgradeButton')}
          </button>
        )}
        {!readOnly && !confirming && (
          <button type="button" className="button danger" onClick={() => setConfirming(true)}>
            {t('deactivateIntegrationDialog.button')}
          </button>
        )}
      </div>
      {confirming && (
        <div
          className="notice error stack"
          role="alertdialog"
          aria-label={t('deactivateIntegrationDialog.title')}
          style={{ width: '100%' }}
        >
          <span>{t('deactivateIntegrationDialog.text', { name: instance.name })}</span>
          <div className="row">
            <button
              type="button"
              className="button danger"
              disabled={action.isPending}
              onClick={() => run('delete')}
            >
              {t('deactivateIntegrationDialog.button')}
            </button>
            <button type="button" className="button" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      )}
      {action.isError && <ErrorNotice>{messageOf(action.error)}</ErrorNotice>}
    </div>
  );
}
