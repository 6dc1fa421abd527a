import { lazy, Suspense, useMemo, useState } from 'react';
import { Link } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { Empty, ErrorNotice, Loading } from '../../../shared/ui.js';
import { IfAllowed } from '../../console-context.js';
import { Section } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { MonitorState } from './parts.js';
import { useMonitorList, useTriggerNames } from './queries.js';
import './monitors.css';

// The form (pickers, triggers) loads when someone adds a monitor, not with every instance page.
const MonitorFormDialog = lazy(() =>
  import('./monitor-dialog.js').then((m) => ({ default: m.MonitorFormDialog })),
);

/**
 * The instance page's "Monitors" panel: the alert monitors watching this instance — its own, and the defaults of its
 * integration, customer or organization (marked Default) — triggered ones marked, each a link to its page, and
 * "Add monitor" with the instance chosen.
 */
export function InstanceMonitors({
  instance,
}: {
  instance: { id: string; name: string; customerName: string };
}) {
  const list = useMonitorList({ covering: instance.id });
  const triggerName = useTriggerNames();
  const [adding, setAdding] = useState(false);
  const rows = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  return (
    <Section
      title="Monitors"
      id="instance-monitors"
      actions={
        <IfAllowed permission="alerts:write">
          <button
            type="button"
            className="button"
            data-testid="instance-add-monitor"
            onClick={() => setAdding(true)}
          >
            Add monitor
          </button>
        </IfAllowed>
      }
    >
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorNotice onRetry={() => void list.refetch()}>{messageOf(list.error)}</ErrorNotice>
      ) : rows.length === 0 ? (
        <Empty>
          No monitor watches this instance yet. Add one to hear when it fails, runs slow or stops running.
        </Empty>
      ) : (
        <>
          <ul className="monitors-instance-list" data-testid="instance-monitors">
            {rows.map((monitor) => (
              <li key={monitor.id} className="row wrap">
                <MonitorState monitor={monitor} />
                <Link href={`~/monitors/${monitor.id}`} className="spacer monitors-instance-name">
                  {monitor.name}
                </Link>
                {monitor.instanceId === null && <span className="chip monitors-default-chip">Default</span>}
                <span className="small muted">
                  {monitor.flowName ? `${monitor.flowName}: ` : ''}
                  {monitor.triggers.map(triggerName).join(', ')}
                </span>
                {monitor.lastEventAt && (
                  <span className="small muted">
                    last <When value={monitor.lastEventAt} />
                  </span>
                )}
              </li>
            ))}
          </ul>
          {list.hasNextPage && (
            <div className="row load-more">
              <button
                type="button"
                className="button"
                disabled={list.isFetchingNextPage}
                onClick={() => void list.fetchNextPage()}
              >
                Show more
              </button>
            </div>
          )}
        </>
      )}
      {adding && (
        <Suspense fallback={<Loading />}>
          <MonitorFormDialog
            instance={{ id: instance.id, name: instance.name, detail: instance.customerName }}
            onClose={() => setAdding(false)}
          />
        </Suspense>
      )}
    </Section>
  );
}
