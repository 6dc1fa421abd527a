import { useId, useState } from 'react';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { FlowDiagram, type FlowModel, stepCount } from './flow-diagram.js';
import { useIntegrationVersion, useIntegrationVersions } from './queries.js';
import type { IntegrationSummary } from './state.js';

type WithDefinition = IntegrationSummary & { definition: unknown };

function flowsOf(definition: unknown): FlowModel[] {
  const flows = (definition as { flows?: unknown } | null)?.flows;
  return Array.isArray(flows) ? (flows as FlowModel[]) : [];
}

/** The flows of the draft, or of a published version picked above them, each drawn as a diagram. */
export function FlowsPanel({ integration }: { integration: WithDefinition }) {
  const [version, setVersion] = useState<number | null>(null);
  const versions = useIntegrationVersions(integration.id);
  const picked = useIntegrationVersion(integration.id, version);
  const pickerId = useId();
  const definition = version === null ? integration.definition : picked.data?.definition;
  const flows = flowsOf(definition);

  return (
    <div className="stack">
      <div className="row wrap">
        <h2 className="spacer">Flows</h2>
        <label htmlFor={pickerId} className="small muted">
          Show
        </label>
        <select
          id={pickerId}
          className="select flows-version-picker"
          value={version ?? ''}
          onChange={(event) => setVersion(event.target.value ? Number(event.target.value) : null)}
          data-testid="flows-version"
        >
          <option value="">Draft</option>
          {versions.data?.items.map((item) => (
            <option key={item.versionNumber} value={item.versionNumber}>
              Version {item.versionNumber}
            </option>
          ))}
        </select>
      </div>
      {version !== null && picked.isPending ? (
        <Loading label={`Loading version ${version}…`} />
      ) : version !== null && picked.isError ? (
        <ErrorNotice onRetry={() => picked.refetch()}>{messageOf(picked.error)}</ErrorNotice>
      ) : flows.length === 0 ? (
        <div className="empty">This {version === null ? 'draft' : 'version'} has no flows yet.</div>
      ) : (
        flows.map((flow) => (
          <details key={flow.stableKey ?? flow.name} className="card flow-card-outer" open>
            <summary>
              <span className="flow-title">{flow.name}</span>
              <span className="small muted">
                {' '}
                · {stepCount(flow)} step{stepCount(flow) === 1 ? '' : 's'}
                {flow.isSynchronous ? ' · synchronous' : ''}
              </span>
            </summary>
            {flow.description && <p className="small muted flow-description">{flow.description}</p>}
            <FlowDiagram flow={flow} />
          </details>
        ))
      )}
    </div>
  );
}
