import { useDeferredValue, useMemo, useState } from 'react';
import { useLocation } from 'wouter';
import { messageOf } from '../../shared/api.js';
import { Empty, ErrorNotice, Loading } from '../../shared/ui.js';
import { useEmbeddedApp } from '../embedded-app-context.js';
import {
  initialMarketplaceFilters,
  type MarketplaceIntegration,
  useActivate,
  useMarketplaceList,
} from '../marketplace-data.js';
import { InstanceStatusBadge, IntegrationIcon } from './marketplace-parts.js';

/** The integrations the customer may activate (`showMarketplace`). */
export function MarketplaceScreen() {
  const { t, init } = useEmbeddedApp();
  const filters = init.filters ?? {};
  const screen = init.screenConfiguration?.marketplace ?? {};
  const [search, setSearch] = useState(initialMarketplaceFilters(filters).search ?? '');
  const [show, setShow] = useState<'all' | 'activated'>(screen.hideInactive ? 'activated' : 'all');
  const [category, setCategory] = useState(filters.category ?? '');
  const deferredSearch = useDeferredValue(search.trim());
  const list = useMarketplaceList({ ...filters, search: deferredSearch });
  const [, navigate] = useLocation();
  const activate = useActivate();

  const items = list.data?.items ?? [];
  const categories = useMemo(
    () => [...new Set(items.map((item) => item.category).filter((value): value is string => !!value))].sort(),
    [items],
  );
  const shown = items.filter(
    (item) =>
      (show === 'all' || item.instances.length > 0) && (category === '' || item.category === category),
  );

  const open = (item: MarketplaceIntegration) => {
    if (screen.configuration !== 'disallow-details') {
      navigate(`/marketplace/${item.id}`);
      return;
    }
    const instance = item.instances[0];
    if (instance) navigate(`/instances/${instance.id}/configure`);
    else if (item.customerDeployable)
      activate.mutate(item.id, {
        onSuccess: (activation) => navigate(`/instances/${activation.instance.id}/configure`),
      });
    else navigate(`/marketplace/${item.id}`);
  };

  return (
    <main className="page">
      <div className="page-header">
        <h1>{t('integration-marketplace__filterBar.title')}</h1>
        {list.data && (
          <span className="muted small" role="status">
            {t('integration-marketplace__count', { count: shown.length })}
          </span>
        )}
      </div>
      <div className="toolbar">
        {!screen.hideSearch && (
          <input
            className="input"
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            placeholder={t('integration-marketplace__input.filterSearchPlaceholder')}
            aria-label={t('integration-marketplace__input.filterSearchPlaceholder')}
          />
        )}
        {categories.length > 1 && !filters.category && (
          <select
            className="select"
            value={category}
            onChange={(event) => setCategory(event.target.value)}
            aria-label={t('integration-marketplace__filterBar.categoryLabel')}
          >
            <option value="">{t('integration-marketplace__filterBar.allCategories')}</option>
            {categories.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        )}
        <div className="spacer" />
        <fieldset className="segmented" style={{ padding: 0, margin: 0 }}>
          <legend className="visually-hidden">{t('integration-marketplace__filterBar.title')}</legend>
          <button type="button" aria-pressed={show === 'all'} onClick={() => setShow('all')}>
            {t('integration-marketplace__filterBar.allButton')}
          </button>
          <button type="button" aria-pressed={show === 'activated'} onClick={() => setShow('activated')}>
            {t('integration-marketplace__filterBar.activateButton')}
          </button>
        </fieldset>
      </div>
      {activate.isError && <ErrorNotice>{messageOf(activate.error)}</ErrorNotice>}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorNotice onRetry={() => void list.refetch()}>{messageOf(list.error)}</ErrorNotice>
      ) : shown.length === 0 ? (
        <Empty>{t('integration-marketplace__empty')}</Empty>
      ) : (
        <ul className="grid" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {shown.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                className="card integration-card"
                style={{ width: '100%', height: '100%' }}
                onClick={() => open(item)}
                data-testid="integration-card"
              >
                <span className="head">
                  <IntegrationIcon item={item} />
                  <span className="stack" style={{ gap: 2 }}>
                    <span className="name">{item.name}</span>
                    {item.category && <span className="muted small">{item.category}</span>}
                  </span>
                </span>
                {item.description && <span className="description">{item.description}</span>}
                {item.instances[0] && (
                  <span>
                    <InstanceStatusBadge instance={item.instances[0]} />
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
