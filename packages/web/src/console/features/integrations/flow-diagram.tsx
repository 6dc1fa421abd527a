/**
 * A read-only drawing of a flow from its definition: the trigger, then the steps top to bottom; a branch step's
 * branches side by side under their names; a loop as a box around its steps; nested to any depth. Plain HTML
 * lists (a screen reader hears "list, 3 items" and the nesting), with connectors drawn in CSS.
 */

/** The parts of @weft/definition's Flow and Step this drawing reads (the definition arrives as JSON). */
export interface FlowStep {
  name: string;
  description?: string;
  action: { key: string; component: { key: string; version?: number | string; isPublic?: boolean } };
  steps?: FlowStep[];
  branches?: Array<{ name: string; steps: FlowStep[] }>;
  errorConfig?: { errorType?: string; retryMaxAttempts?: number };
}

export interface FlowModel {
  name: string;
  stableKey?: string;
  description?: string;
  isSynchronous?: boolean;
  endpointSecurityType?: string;
  trigger: FlowStep;
  steps: FlowStep[];
  schedule?: { type: 'value' | 'configVar'; value: string; timeZone?: string };
}

function StepCard({ step, kind }: { step: FlowStep; kind: 'trigger' | 'step' | 'loop' | 'branch' }) {
  const { component, key } = step.action;
  const errorType = step.errorConfig?.errorType;
  return (
    <div className={`flow-card ${kind}`}>
      <span className="flow-card-kind">
        {kind === 'trigger' ? 'Trigger' : kind === 'loop' ? 'Loop' : kind === 'branch' ? 'Branch' : 'Step'}
      </span>
      <strong className="flow-card-name">{step.name}</strong>
      <span className="flow-card-action mono">
        {component.key}
        <span aria-hidden="true"> · </span>
        <span className="visually-hidden">, action </span>
        {key}
        {component.isPublic === false && <span className="chip custom-chip">custom</span>}
      </span>
      {errorType && errorType !== 'fail' && (
        <span className="small muted">
          On error: {errorType}
          {errorType === 'retry' && step.errorConfig?.retryMaxAttempts
            ? ` (${step.errorConfig.retryMaxAttempts}×)`
            : ''}
        </span>
      )}
    </div>
  );
}

function StepItem({ step }: { step: FlowStep }) {
  if (step.branches && step.branches.length > 0) {
    return (
      <li className="flow-item">
        <StepCard step={step} kind="branch" />
        <ul className="flow-branches" aria-label={`Branches of ${step.name}`}>
          {step.branches.map((branch) => (
            <li key={branch.name} className="flow-branch">
              <span className="flow-branch-name">{branch.name}</span>
              <StepList steps={branch.steps} label={`Steps of branch ${branch.name}`} />
            </li>
          ))}
        </ul>
      </li>
    );
  }
  if (step.steps) {
    return (
      <li className="flow-item">
        <div className="flow-loop">
          <StepCard step={step} kind="loop" />
          <StepList steps={step.steps} label={`Steps inside the loop ${step.name}`} />
        </div>
      </li>
    );
  }
  return (
    <li className="flow-item">
      <StepCard step={step} kind="step" />
    </li>
  );
}

function StepList({ steps, label }: { steps: readonly FlowStep[]; label: string }) {
  if (steps.length === 0) {
    return <p className="flow-empty small muted">No steps</p>;
  }
  return (
    <ol className="flow-steps" aria-label={label}>
      {withKeys(steps).map(({ key, step }) => (
        <StepItem key={key} step={step} />
      ))}
    </ol>
  );
}

/** Steps with React keys: their names, made unique (names are unique in a valid flow, but a draft may repeat one). */
function withKeys(steps: readonly FlowStep[]): Array<{ key: string; step: FlowStep }> {
  const seen = new Map<string, number>();
  return steps.map((step) => {
    const count = (seen.get(step.name) ?? 0) + 1;
    seen.set(step.name, count);
    return { key: count > 1 ? `${step.name}#${count}` : step.name, step };
  });
}

export function FlowDiagram({ flow }: { flow: FlowModel }) {
  const { trigger } = flow;
  return (
    <section className="flow-diagram-frame" aria-label={`Diagram of ${flow.name}`} data-testid="flow-diagram">
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: it scrolls sideways when branches are wide, and a scrolling region must take focus so keyboard users can scroll it (axe scrollable-region-focusable). */}
      <div className="flow-diagram" tabIndex={0}>
        <ol className="flow-steps root" aria-label={`${flow.name}: trigger and steps`}>
          <li className="flow-item">
            <StepCard step={trigger} kind="trigger" />
            {flow.schedule && (
              <span className="flow-schedule small muted">
                {flow.schedule.type === 'configVar' ? 'Schedule from config variable ' : 'Runs on '}
                <span className="mono">{flow.schedule.value}</span>
                {flow.schedule.timeZone ? ` (${flow.schedule.timeZone})` : ''}
              </span>
            )}
            {trigger.branches && trigger.branches.length > 0 && (
              <ul className="flow-branches" aria-label={`Branches of ${trigger.name}`}>
                {trigger.branches.map((branch) => (
                  <li key={branch.name} className="flow-branch">
                    <span className="flow-branch-name">{branch.name}</span>
                    <StepList steps={branch.steps} label={`Steps of branch ${branch.name}`} />
                  </li>
                ))}
              </ul>
            )}
          </li>
          {withKeys(flow.steps).map(({ key, step }) => (
            <StepItem key={key} step={step} />
          ))}
        </ol>
      </div>
    </section>
  );
}

/** How many steps a flow has, counting inside loops and branches (the trigger included). */
export function stepCount(flow: FlowModel): number {
  const count = (steps: readonly FlowStep[]): number =>
    steps.reduce(
      (sum, step) =>
        sum +
        1 +
        count(step.steps ?? []) +
        (step.branches ?? []).reduce((inner, branch) => inner + count(branch.steps), 0),
      0,
    );
  return 1 + count(flow.steps);
}
