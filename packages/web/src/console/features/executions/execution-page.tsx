import { useSearch } from 'wouter';
import { PageHeader } from '../../ui/page.js';
import { ExecutionDetail, useScrollTopOn } from './execution-detail.js';
import { shortId } from './parts.js';
import { useExecution } from './queries.js';

/** `/executions/:id`: the header, then the execution itself. */
export default function ExecutionPage({ id }: { id: string }) {
  const execution = useExecution(id);
  const stepKey = new URLSearchParams(useSearch()).get('step') ?? undefined;
  useScrollTopOn(id);
  const run = execution.data;
  const title = run
    ? `${run.flow} · ${run.customerName ?? shortId(run.customerId)}`
    : `Execution ${shortId(id)}`;
  return (
    <div className="stack">
      <PageHeader title={title} back={{ href: '~/executions', label: 'Executions' }} />
      {/* Keyed: another execution (a replay, a link in the chain) starts with its own step chosen, not this one's. */}
      <ExecutionDetail key={id} executionId={id} {...(stepKey ? { stepKey } : {})} />
    </div>
  );
}
