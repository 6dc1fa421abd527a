import { WeftApiError } from '@weft/client';
import { lazy, Suspense, useId, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { Badge, Empty, ErrorNotice, Loading } from '../../../shared/ui.js';
import { IfAllowed, useConsole } from '../../console-context.js';
import { CopyButton } from '../../ui/copy-button.js';
import { ConfirmDialog, Dialog } from '../../ui/dialog.js';
import { formatDuration } from '../../ui/format.js';
import { PageHeader, Section } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { InstanceMonitors } from '../monitors/instance-monitors.js';
import {
  useDeleteInstance,
  useDeployInstance,
  useSetApiKeys,
  useSetPaused,
  useUpgradeInstance,
} from './mutations.js';
import {
  type FlowEndpoint,
  type InstanceDetail,
  type InstanceEndpoints,
  useInstance,
  useInstanceConnections,
  useInstanceFlows,
  useIntegrationVersions,
  useRecentExecutions,
} from './queries.js';
import { InstanceStatus, newerVersion, stateOf, VersionMarker } from './status.js';
import './instances.css';

const TestRunPanel = lazy(() => import('./test-run.js').then((m) => ({ default: m.TestRunPanel })));

/** `/instances/:id`: what the instance is and does, its endpoints, connections and executions, and its actions. */
export function InstancePage({ id }: { id: string }) {
  const instance = useInstance(id);
  if (instance.isPending) return <Loading />;
  if (instance.isError) {
    const missing = instance.error instanceof WeftApiError && instance.error.status === 404;
    return (
      <div className="stack">
        <PageHeader
          title={missing ? 'Instance not found' : 'Instance'}
          back={{ href: '/', label: 'Instances' }}
        />
        <ErrorNotice onRetry={missing ? undefined : () => void instance.refetch()}>
          {messageOf(instance.error)}
        </ErrorNotice>
      </div>
    );
  }
  return <InstanceView instance={instance.data} />;
}

function InstanceView({ instance }: { instance: InstanceDetail }) {
  const { can } = useConsole();
  const [, navigate] = useLocation();
  const versions = useIntegrationVersions(instance.integration.id);
  const executions = useRecentExecutions(instance.id);
  const deploy = useDeployInstance();
  const setPaused = useSetPaused();
  const upgrade = useUpgradeInstance();
  const remove = useDeleteInstance();
  const [confirm, setConfirm] = useState<'delete' | 'upgrade'>();
  const [actionError, setActionError] = useState<{ message: string; incomplete: boolean }>();

  const latestAvailable = (versions.data?.items ?? [])
    .filter((version) => version.available)
    .reduce<number | undefined>((max, version) => Math.max(max ?? 0, version.versionNumber), undefined);
  const newer = newerVersion(instance, latestAvailable);
  const state = stateOf(instance);
  const lastExecution = executions.data?.items[0];
  const busy = deploy.isPending || setPaused.isPending || upgrade.isPending || remove.isPending;

  function failed(error: unknown) {
    setActionError({
      message: messageOf(error),
      incomplete: error instanceof WeftApiError && error.code === 'INSTANCE_CONFIG_INCOMPLETE',
    });
  }

  async function run(action: () => Promise<unknown>) {
    setActionError(undefined);
    try {
      await action();
    } catch (error) {
      failed(error);
    }
  }

  return (
    <div className="stack">
      <PageHeader
        title={instance.name}
        back={{ href: '/', label: 'Instances' }}
        meta={
          <>
            <InstanceStatus instance={instance} />
            <span>
              for <Link href={`~/customers/${instance.customer.id}`}>{instance.customer.name}</Link>
            </span>
            <span>
              of <Link href={`~/integrations/${instance.integration.id}`}>{instance.integration.name}</Link> v
              {instance.versionNumber}
            </span>
            <VersionMarker latest={newer} />
          </>
        }
        description={instance.description || undefined}
        actions={
          <IfAllowed permission="instances:configure">
            <Link
              href={`/${instance.id}/configure`}
              className="button primary"
              data-testid="instance-configure"
            >
              Configure
            </Link>
            <button
              type="button"
              className="button"
              data-testid="instance-deploy"
              disabled={busy}
              onClick={() => void run(() => deploy.mutateAsync(instance.id))}
            >
              {deploy.isPending ? 'Deploying…' : state === 'unconfigured' ? 'Deploy' : 'Redeploy'}
            </button>
            {instance.enabled ? (
              <button
                type="button"
                className="button"
                data-testid="instance-pause"
                disabled={busy}
                onClick={() => void run(() => setPaused.mutateAsync({ id: instance.id, paused: true }))}
              >
                Pause
              </button>
            ) : (
              <button
                type="button"
                className="button"
                data-testid="instance-unpause"
                disabled={busy}
                onClick={() => void run(() => setPaused.mutateAsync({ id: instance.id, paused: false }))}
              >
                Unpause
              </button>
            )}
            {newer !== undefined && (
              <button
                type="button"
                className="button"
                data-testid="instance-upgrade"
                disabled={busy}
                onClick={() => setConfirm('upgrade')}
              >
                Upgrade to v{newer}
              </button>
            )}
            <button
              type="button"
              className="button danger"
              data-testid="instance-delete"
              disabled={busy}
              onClick={() => setConfirm('delete')}
            >
              Delete
            </button>
          </IfAllowed>
        }
      />
      <div aria-live="polite">
        {actionError && (
          <div className="notice error row wrap" role="alert">
            <span className="spacer">{actionError.message}</span>
            {actionError.incomplete && can('instances:configure') && (
              <Link href={`/${instance.id}/configure`} className="button">
                Open the config wizard
              </Link>
            )}
          </div>
        )}
      </div>

      <Section title="Details" id="instance-facts">
        <dl className="facts">
          <div>
            <dt>Customer</dt>
            <dd>
              <Link href={`~/customers/${instance.customer.id}`}>{instance.customer.name}</Link>
              {instance.customer.externalId && (
                <span className="muted small mono"> {instance.customer.externalId}</span>
              )}
            </dd>
          </div>
          <div>
            <dt>Integration</dt>
            <dd>
              <Link href={`~/integrations/${instance.integration.id}`}>{instance.integration.name}</Link>
            </dd>
          </div>
          <div>
            <dt>Version</dt>
            <dd>
              <span className="row wrap">
                <span>
                  v{instance.versionNumber} configured
                  {instance.deployedVersionNumber !== null &&
                    instance.deployedVersionNumber !== instance.versionNumber &&
                    `, v${instance.deployedVersionNumber} running`}
                </span>
                {newer !== undefined && <span className="muted small">v{newer} is available</span>}
              </span>
            </dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>
              <InstanceStatus instance={instance} />
            </dd>
          </div>
          <div>
            <dt>Last deployed</dt>
            <dd>
              {instance.deployedAt ? (
                <When value={instance.deployedAt} />
              ) : (
                <span className="muted">Never</span>
              )}
            </dd>
          </div>
          <div>
            <dt>Last execution</dt>
            <dd>
              {executions.isPending ? (
                <span className="muted">Loading…</span>
              ) : lastExecution ? (
                <span className="row wrap">
                  <Badge kind={lastExecution.status}>{lastExecution.status}</Badge>
                  <Link href={`~/executions/${lastExecution.id}`}>{lastExecution.flow}</Link>
                  <When value={lastExecution.queuedAt} />
                </span>
              ) : (
                <span className="muted">None yet</span>
              )}
            </dd>
          </div>
          {instance.labels.length > 0 && (
            <div>
              <dt>Labels</dt>
              <dd className="row wrap">
                {instance.labels.map((label) => (
                  <span key={label} className="chip">
                    {label}
                  </span>
                ))}
              </dd>
            </div>
          )}
        </dl>
      </Section>

      <FlowsSection instance={instance} />
      <ConnectionsSection instanceId={instance.id} />
      {instance.webhookRegistrations.length > 0 && <RegistrationsSection instance={instance} />}

      <Section
        title="Recent executions"
        id="instance-executions"
        actions={
          <Link href={`~/executions?instance=${instance.id}`} data-testid="instance-executions-link">
            All executions of this instance
          </Link>
        }
      >
        {executions.isPending ? (
          <Loading />
        ) : executions.isError ? (
          <ErrorNotice onRetry={() => void executions.refetch()}>{messageOf(executions.error)}</ErrorNotice>
        ) : executions.data.items.length === 0 ? (
          <Empty>No executions yet.</Empty>
        ) : (
          <ul className="instance-executions">
            {executions.data.items.map((execution) => (
              <li key={execution.id} className="row wrap">
                <Badge kind={execution.status}>{execution.status}</Badge>
                <Link href={`~/executions/${execution.id}`} className="spacer">
                  {execution.flow}
                </Link>
                <span className="muted small">{execution.triggerKind}</span>
                <span className="muted small">{formatDuration(execution.durationMs)}</span>
                <When value={execution.queuedAt} />
              </li>
            ))}
          </ul>
        )}
      </Section>

      <InstanceMonitors
        instance={{ id: instance.id, name: instance.name, customerName: instance.customer.name }}
      />

      <IfAllowed permission="instances:test">
        <Suspense fallback={<Loading />}>
          <TestRunPanel instance={instance} />
        </Suspense>
      </IfAllowed>

      {confirm === 'delete' && (
        <ConfirmDialog
          title={`Delete ${instance.name}?`}
          confirmLabel={remove.isPending ? 'Deleting…' : 'Delete instance'}
          busy={remove.isPending}
          error={remove.error ? messageOf(remove.error) : undefined}
          onClose={() => {
            remove.reset();
            setConfirm(undefined);
          }}
          onConfirm={() =>
            void remove
              .mutateAsync({ id: instance.id, name: instance.name })
              .then(() => navigate('/', { replace: true }))
              .catch(() => {})
          }
        >
          <p>
            This deletes the instance <strong>{instance.name}</strong> of {instance.customer.name}: its
            configuration, executions, logs, schedules and webhook URLs. Its remove flows run first.
          </p>
          <p className="muted">This cannot be undone.</p>
        </ConfirmDialog>
      )}
      {confirm === 'upgrade' && newer !== undefined && (
        <Dialog
          title={`Upgrade to version ${newer}?`}
          onClose={() => setConfirm(undefined)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setConfirm(undefined)}>
                Cancel
              </button>
              <button
                type="button"
                className="button primary"
                data-testid="instance-upgrade-confirm"
                disabled={upgrade.isPending}
                onClick={() => {
                  setConfirm(undefined);
                  void run(() => upgrade.mutateAsync({ id: instance.id, versionNumber: newer }));
                }}
              >
                Upgrade
              </button>
            </>
          }
        >
          <p>
            {instance.name} moves from v{instance.versionNumber} to v{newer}. Config values carry over; new
            variables take their defaults.
            {state !== 'unconfigured'
              ? ' The instance is redeployed at once; if a new variable needs a value, v' +
                instance.deployedVersionNumber +
                ' keeps running until you configure and deploy.'
              : ''}
          </p>
        </Dialog>
      )}
    </div>
  );
}

const securityLabels: Record<string, string> = {
  unsecured: 'No API key',
  customer_optional: 'API key optional',
  customer_required: 'API key required',
  organization: "Organization's API key",
};

const endpointTypeHelp: Record<string, string> = {
  flow_specific: 'Each flow has its own URL.',
  instance_specific: 'One URL for the instance; the request names the flow.',
  shared_instance: "One URL for every customer's instance; the request names the customer and the flow.",
};

function FlowsSection({ instance }: { instance: InstanceDetail }) {
  const flows = useInstanceFlows(instance.id);
  return (
    <Section title="Flows and webhook URLs" id="instance-flows">
      {flows.isPending ? (
        <Loading />
      ) : flows.isError ? (
        <ErrorNotice onRetry={() => void flows.refetch()}>{messageOf(flows.error)}</ErrorNotice>
      ) : (
        <FlowsBody instance={instance} endpoints={flows.data} />
      )}
    </Section>
  );
}

function FlowsBody({ instance, endpoints }: { instance: InstanceDetail; endpoints: InstanceEndpoints }) {
  const shared = endpoints.endpointType !== 'flow_specific';
  const commonUrl =
    endpoints.endpointType === 'shared_instance' ? endpoints.sharedWebhookUrl : endpoints.instanceWebhookUrl;
  const instanceKeys = endpoints.flows.find((flow) =>
    flow.endpointSecurityType.startsWith('customer_'),
  )?.apiKeys;
  const usesInstanceKeys = endpoints.flows.some((flow) => flow.endpointSecurityType.startsWith('customer_'));
  return (
    <div className="stack">
      <p className="muted small">{endpointTypeHelp[endpoints.endpointType] ?? endpoints.endpointType}</p>
      {shared && (
        <div className="instance-url-row">
          <span className="label">
            {endpoints.endpointType === 'shared_instance' ? 'Shared URL' : 'Instance URL'}
          </span>
          <UrlValue url={commonUrl} testId="instance-webhook-url-common" />
        </div>
      )}
      {instance.deployedVersionNumber === null && (
        <div className="notice info">Webhook URLs exist once the instance is deployed.</div>
      )}
      <ul className="instance-flows">
        {endpoints.flows.map((flow) => (
          <FlowRow key={flow.stableKey} flow={flow} url={shared ? commonUrl : flow.webhookUrl} />
        ))}
      </ul>
      {usesInstanceKeys && <ApiKeysPanel instanceId={instance.id} keys={instanceKeys ?? []} />}
    </div>
  );
}

function UrlValue({ url, testId, flow }: { url: string | null; testId: string; flow?: string }) {
  if (!url) return <span className="muted">Not deployed</span>;
  return (
    <span className="row instance-url">
      <code className="mono" data-testid={testId} data-flow={flow}>
        {url}
      </code>
      <CopyButton value={url} label="Copy URL" />
    </span>
  );
}

function FlowRow({ flow, url }: { flow: FlowEndpoint; url: string | null }) {
  const orgKeys = flow.endpointSecurityType === 'organization' ? flow.apiKeys : [];
  return (
    <li className="instance-flow stack-tight">
      <div className="row wrap">
        <strong className="spacer">{flow.flow}</strong>
        <span className="chip">{securityLabels[flow.endpointSecurityType] ?? flow.endpointSecurityType}</span>
        {flow.isSynchronous && <span className="chip">Synchronous</span>}
        <span className="muted small mono">{flow.trigger}</span>
      </div>
      <UrlValue url={url} testId="instance-webhook-url" flow={flow.flow} />
      {flow.schedule && (
        <p className="small muted">
          Runs on schedule <code className="mono">{flow.schedule.cron}</code> ({flow.schedule.timeZone}); next{' '}
          <When value={flow.schedule.nextFireAt} />
        </p>
      )}
      {orgKeys.length > 0 && (
        <div className="stack-tight">
          <span className="small muted">
            The organization's API keys for this flow (set in the integration):
          </span>
          {orgKeys.map((key) => (
            <SecretValue key={key} value={key} label={`API key of ${flow.flow}`} />
          ))}
        </div>
      )}
    </li>
  );
}

/** A secret the API answered: hidden until asked for, copyable either way. */
/**
 * An API key, masked. Only people who may change the instance's keys may see or copy one: a key lets its holder call
 * the customer's webhook, which reading the instance does not.
 */
function SecretValue({ value, label }: { value: string; label: string }) {
  const { can } = useConsole();
  const [shown, setShown] = useState(false);
  const masked = `${'•'.repeat(8)}${value.slice(-4)}`;
  if (!can('instances:write')) return <code className="mono">{masked}</code>;
  return (
    <span className="row wrap instance-secret">
      <code className="mono">{shown ? value : masked}</code>
      <button
        type="button"
        className="button small-button"
        onClick={() => setShown((now) => !now)}
        aria-pressed={shown}
      >
        {shown ? 'Hide' : 'Show'}
        <span className="visually-hidden"> {label}</span>
      </button>
      <CopyButton value={value} label="Copy key" />
    </span>
  );
}

function ApiKeysPanel({ instanceId, keys }: { instanceId: string; keys: readonly string[] }) {
  const { can } = useConsole();
  const setKeys = useSetApiKeys();
  const [editing, setEditing] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const inputId = useId();
  return (
    <div className="stack-tight instance-api-keys" data-testid="instance-api-keys">
      <div className="row wrap">
        <h3 className="spacer">Instance API keys</h3>
        {can('instances:write') && (
          <>
            <button
              type="button"
              className="button"
              data-testid="instance-api-keys-set"
              onClick={() => {
                setText(keys.join('\n'));
                setProblem(undefined);
                setEditing(true);
              }}
            >
              Set keys
            </button>
            <button
              type="button"
              className="button"
              data-testid="instance-api-keys-rotate"
              onClick={() => setRotating(true)}
            >
              Rotate
            </button>
          </>
        )}
      </div>
      <p className="small muted">Callers send one in the Api-Key header.</p>
      {keys.length === 0 ? (
        <p className="muted small">No key yet: deploying generates one for flows that require it.</p>
      ) : (
        keys.map((key, index) => (
          <SecretValue key={key} value={key} label={`Instance API key ${index + 1}`} />
        ))
      )}
      {editing && (
        <Dialog
          title="Set the instance's API keys"
          onClose={() => setEditing(false)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setEditing(false)}>
                Cancel
              </button>
              <button
                type="button"
                className="button primary"
                disabled={setKeys.isPending}
                onClick={() => {
                  const apiKeys = text
                    .split('\n')
                    .map((line) => line.trim())
                    .filter(Boolean);
                  setProblem(undefined);
                  setKeys
                    .mutateAsync({ id: instanceId, apiKeys })
                    .then(() => setEditing(false))
                    .catch((error: unknown) => setProblem(messageOf(error)));
                }}
              >
                Save keys
              </button>
            </>
          }
        >
          <div className="field">
            <label className="label" htmlFor={inputId}>
              Keys, one per line
            </label>
            <textarea
              id={inputId}
              className="textarea mono"
              rows={4}
              value={text}
              aria-describedby={`${inputId}-help`}
              aria-invalid={problem ? true : undefined}
              onChange={(event) => setText(event.target.value)}
            />
            <p className="help small muted" id={`${inputId}-help`}>
              8 to 200 printable characters each, up to 20. Callers using a key you remove get 401.
            </p>
            {problem && (
              <p className="error small" role="alert">
                {problem}
              </p>
            )}
          </div>
        </Dialog>
      )}
      {rotating && (
        <ConfirmDialog
          title="Rotate the API keys?"
          confirmLabel="Rotate keys"
          busy={setKeys.isPending}
          error={setKeys.error ? messageOf(setKeys.error) : undefined}
          onClose={() => {
            setKeys.reset();
            setRotating(false);
          }}
          onConfirm={() =>
            void setKeys
              .mutateAsync({ id: instanceId, apiKeys: 'rotate' })
              .then(() => setRotating(false))
              .catch(() => {})
          }
        >
          <p>Every key is replaced by one new key. Callers still using an old key get 401.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

const sourceLabels: Record<string, string> = {
  instance: 'Set on this instance',
  org_global: "Organization's connection",
  org_customer: "Organization's connection for this customer",
  customer_activated: "Customer's own connection",
  missing: 'Missing',
};

function ConnectionsSection({ instanceId }: { instanceId: string }) {
  const connections = useInstanceConnections(instanceId);
  if (connections.data && connections.data.items.length === 0) return null;
  return (
    <Section title="Connections" id="instance-connections">
      {connections.isPending ? (
        <Loading />
      ) : connections.isError ? (
        <ErrorNotice onRetry={() => void connections.refetch()}>{messageOf(connections.error)}</ErrorNotice>
      ) : (
        <ul className="instance-connections">
          {connections.data.items.map((item) => {
            const status = item.connection?.status ?? 'not_configured';
            return (
              <li key={item.stableKey} className="row wrap">
                <strong className="spacer">{item.configVar}</strong>
                <span className="small muted">
                  {sourceLabels[item.source] ?? item.source}
                  {item.scopedConnection ? ` (${item.scopedConnection})` : ''}
                </span>
                {item.connection && (
                  <span className="small muted mono">
                    {item.connection.component}/{item.connection.connection}
                  </span>
                )}
                <Badge kind={item.source === 'missing' ? 'error' : status}>
                  {item.source === 'missing' ? 'missing' : status.replace(/_/g, ' ')}
                </Badge>
                {item.connection?.statusMessage && (
                  <span className="error small instance-connection-message">
                    {item.connection.statusMessage}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </Section>
  );
}

function RegistrationsSection({ instance }: { instance: InstanceDetail }) {
  return (
    <Section title="Webhooks registered at providers" id="instance-registrations">
      <ul className="instance-connections">
        {instance.webhookRegistrations.map((registration) => (
          <li key={registration.stableKey} className="row wrap">
            <strong className="spacer">{registration.flow}</strong>
            <span className="small muted mono">{registration.trigger}</span>
            <Badge
              kind={
                registration.status === 'registered'
                  ? 'active'
                  : registration.status === 'failed'
                    ? 'error'
                    : 'paused'
              }
            >
              {registration.status}
            </Badge>
            {registration.lastError && (
              <span className="error small instance-connection-message">
                {registration.lastError.operation} failed: {registration.lastError.message}
              </span>
            )}
          </li>
        ))}
      </ul>
    </Section>
  );
}
