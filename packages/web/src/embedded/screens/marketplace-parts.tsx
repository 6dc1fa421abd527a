import { Badge } from '../../shared/ui.js';
import { useEmbeddedApp } from '../embedded-app-context.js';
import { type MarketplaceInstance, type MarketplaceIntegration, useIcon } from '../marketplace-data.js';

export function IntegrationIcon({ item, large }: { item: MarketplaceIntegration; large?: boolean }) {
  const icon = useIcon(item.iconUrl);
  const className = large ? 'icon large' : 'icon';
  if (icon.data) return <img className={className} src={icon.data} alt="" />;
  return (
    <span className={className} aria-hidden="true">
      {item.name.slice(0, 1).toUpperCase()}
    </span>
  );
}

export function InstanceStatusBadge({ instance }: { instance: MarketplaceInstance }) {
  const { t } = useEmbeddedApp();
  const label =
    instance.status === 'active'
      ? t('integration-marketplace__card.runningLabel')
      : instance.status === 'paused'
        ? t('integration-marketplace__card.pausedLabel')
        : t('integration-marketplace__card.activateLabel');
  return <Badge kind={instance.status}>{label}</Badge>;
}
