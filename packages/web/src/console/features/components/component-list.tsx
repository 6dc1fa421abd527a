import { useMemo, useState } from 'react';
import type { ApiSchema } from '../../../shared/api.js';
import { messageOf } from '../../../shared/api.js';
import { Badge, ErrorNotice, Loading } from '../../../shared/ui.js';
import { PageHeader } from '../../ui/page.js';
import { type Column, VirtualTable } from '../../ui/virtual-table.js';
import { When } from '../../ui/when.js';
import { PublishHint } from './publish-hint.js';
import { useComponentList } from './queries.js';
import './components.css';

type ComponentSummary = ApiSchema<'ComponentSummary'>;

const columns: Array<Column<ComponentSummary>> = [
  {
    key: 'label',
    header: 'Component',
    width: 'minmax(12rem, 2fr)',
    render: (row) => (
      <span className="stack-none">
        <strong>{row.label}</strong>
        <span className="mono small muted">{row.key}</span>
      </span>
    ),
  },
  {
    key: 'description',
    header: 'Description',
    width: 'minmax(10rem, 2fr)',
    optional: true,
    render: (row) => <span className="small clamp">{row.description}</span>,
  },
  {
    key: 'version',
    header: 'Latest version',
    width: '8rem',
    render: (row) => (
      <span className="mono">
        v{row.latestVersion}
        <span className="small muted"> of {row.versionCount}</span>
      </span>
    ),
  },
  {
    key: 'visibility',
    header: 'Visibility',
    width: '7rem',
    render: () => <Badge kind="unconfigured">Private</Badge>,
  },
  {
    key: 'published',
    header: 'Published',
    width: '9rem',
    optional: true,
    render: (row) => <When value={row.publishedAt} />,
  },
];

/** `/components`: the organization's custom components (built-in ones are public and listed in the docs). */
export function ComponentList() {
  const list = useComponentList();
  const [text, setText] = useState('');
  const rows = useMemo(() => {
    const needle = text.trim().toLowerCase();
    const all = list.data?.components ?? [];
    return needle
      ? all.filter((row) =>
          [row.key, row.label, row.description].some((value) => value.toLowerCase().includes(needle)),
        )
      : all;
  }, [list.data, text]);
  return (
    <div className="stack">
      <PageHeader
        title="Custom components"
        description="Components your team wrote and published. Integrations use them in steps, triggers, data sources and connections; only your organization sees them."
      />
      <PublishHint />
      <search className="toolbar" aria-label="Filter components">
        <label className="visually-hidden" htmlFor="components-search">
          Search components
        </label>
        <input
          id="components-search"
          className="input"
          type="search"
          placeholder="Search key, label or description"
          value={text}
          onChange={(event) => setText(event.target.value)}
          data-testid="components-search"
        />
      </search>
      {list.isPending ? (
        <Loading label="Loading components…" />
      ) : list.isError ? (
        <ErrorNotice onRetry={() => list.refetch()}>{messageOf(list.error)}</ErrorNotice>
      ) : (
        <VirtualTable
          label="Custom components"
          testId="components-table"
          rows={rows}
          columns={columns}
          rowKey={(row) => row.key}
          rowHref={(row) => `/${encodeURIComponent(row.key)}`}
          rowHeight={56}
          empty={
            text ? 'No component matches.' : 'No custom components yet. Publish one with the CLI (above).'
          }
        />
      )}
    </div>
  );
}
