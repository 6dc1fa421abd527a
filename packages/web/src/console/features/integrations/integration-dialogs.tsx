import { useId, useState } from 'react';
import { messageOf, WeftApiError } from '../../../shared/api.js';
import { ConfirmDialog, Dialog } from '../../ui/dialog.js';
import { useDeleteIntegration, useForkIntegration, usePublishIntegration } from './mutations.js';
import { hasUnpublishedChanges, type IntegrationSummary } from './state.js';

interface Problem {
  message: string;
  line?: number;
  column?: number;
  severity?: string;
}

function problemsOf(error: unknown): Problem[] {
  if (!(error instanceof WeftApiError)) return [];
  const problems = error.details.problems;
  return Array.isArray(problems) ? (problems as Problem[]) : [];
}

/** The field an error names (`details.field`), so it shows at that field. */
function fieldOf(error: unknown): string | undefined {
  return error instanceof WeftApiError && typeof error.details.field === 'string'
    ? error.details.field
    : undefined;
}

export function PublishDialog({
  integration,
  onClose,
  onPublished,
}: {
  integration: IntegrationSummary;
  onClose(): void;
  onPublished(): void;
}) {
  const publish = usePublishIntegration(integration.id);
  const [comment, setComment] = useState('');
  const commentId = useId();
  const problems = problemsOf(publish.error);
  const next = (integration.latestVersionNumber ?? 0) + 1;
  const unchanged = integration.latestVersionNumber !== null && !hasUnpublishedChanges(integration);
  return (
    <Dialog
      title={`Publish version ${next} of ${integration.name}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="publish-form"
            className="button primary"
            disabled={publish.isPending}
            data-testid="publish-submit"
          >
            {publish.isPending ? 'Publishing…' : `Publish version ${next}`}
          </button>
        </>
      }
    >
      <form
        id="publish-form"
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          publish.mutate(comment.trim(), { onSuccess: onPublished });
        }}
      >
        <p className="muted">
          The draft becomes version {next}: an immutable snapshot customers can deploy. Existing instances
          stay on their version until they are upgraded.
        </p>
        {unchanged && (
          <div className="notice info">
            The draft has not changed since version {integration.latestVersionNumber}; publishing makes an
            identical version.
          </div>
        )}
        <div className="field">
          <label htmlFor={commentId}>What changed</label>
          <textarea
            id={commentId}
            className="textarea"
            rows={3}
            maxLength={5000}
            value={comment}
            onChange={(event) => setComment(event.target.value)}
            placeholder="Adds the refund flow; retries failed posts"
            data-testid="publish-comment"
          />
          <span className="help">Shown in the versions list and to whoever upgrades an instance.</span>
        </div>
        {publish.isError && (
          <div className="notice error stack-tight" role="alert">
            <span>{messageOf(publish.error)}</span>
            {problems.length > 0 && (
              <ul className="small">
                {problems.map((problem, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: problems have no identity; their order is fixed.
                  <li key={index}>
                    {problem.line ? (
                      <span className="mono">{`${problem.line}:${problem.column} `}</span>
                    ) : null}
                    {problem.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </form>
    </Dialog>
  );
}

export function ForkDialog({
  integration,
  onClose,
  onForked,
}: {
  integration: IntegrationSummary;
  onClose(): void;
  onForked(id: string): void;
}) {
  const fork = useForkIntegration(integration.id);
  const [name, setName] = useState(`${integration.name} (copy)`);
  const [description, setDescription] = useState(integration.description);
  const nameId = useId();
  const descriptionId = useId();
  const errorField = fieldOf(fork.error);
  return (
    <Dialog
      title={`Fork ${integration.name}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="fork-form"
            className="button primary"
            disabled={fork.isPending || name.trim() === ''}
            data-testid="fork-submit"
          >
            {fork.isPending ? 'Forking…' : 'Fork'}
          </button>
        </>
      }
    >
      <form
        id="fork-form"
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          fork.mutate(
            { name: name.trim(), ...(description ? { description } : {}) },
            { onSuccess: (answer) => onForked(answer.id) },
          );
        }}
      >
        <p className="muted">
          A new integration with a copy of the current draft, its icon and attachments. It has no versions and
          no instances until you publish and deploy it.
        </p>
        <div className="field">
          <label htmlFor={nameId}>Name</label>
          <input
            id={nameId}
            className="input"
            value={name}
            required
            maxLength={200}
            aria-invalid={errorField === 'name' || undefined}
            aria-describedby={errorField === 'name' ? `${nameId}-error` : undefined}
            onChange={(event) => setName(event.target.value)}
            data-testid="fork-name"
          />
          {errorField === 'name' && (
            <span className="error" id={`${nameId}-error`}>
              {messageOf(fork.error)}
            </span>
          )}
        </div>
        <div className="field">
          <label htmlFor={descriptionId}>Description</label>
          <textarea
            id={descriptionId}
            className="textarea"
            rows={2}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
        </div>
        {fork.isError && errorField !== 'name' && (
          <div className="notice error" role="alert">
            {messageOf(fork.error)}
          </div>
        )}
      </form>
    </Dialog>
  );
}

export function DeleteIntegrationDialog({
  integration,
  onClose,
  onDeleted,
}: {
  integration: IntegrationSummary;
  onClose(): void;
  onDeleted(): void;
}) {
  const remove = useDeleteIntegration(integration.id);
  const [force, setForce] = useState(false);
  const forceId = useId();
  const instances = integration.instanceCount;
  const refusedForInstances =
    remove.error instanceof WeftApiError && remove.error.code === 'INTEGRATION_HAS_INSTANCES';
  const mustForce = instances > 0 || refusedForInstances;
  return (
    <ConfirmDialog
      title={`Delete ${integration.name}?`}
      confirmLabel={mustForce ? `Delete ${integration.name} and its instances` : `Delete ${integration.name}`}
      busy={remove.isPending || (mustForce && !force)}
      error={remove.isError ? messageOf(remove.error) : undefined}
      onClose={onClose}
      onConfirm={() =>
        remove.mutate({ force: mustForce && force, name: integration.name }, { onSuccess: onDeleted })
      }
    >
      <p>
        This deletes <strong>{integration.name}</strong> with its draft, all its versions and attachments. It
        cannot be undone.
      </p>
      {mustForce ? (
        <>
          <p>
            {instances > 0
              ? `${instances} instance${instances === 1 ? '' : 's'} of customers run${instances === 1 ? 's' : ''} it.`
              : 'Customers have instances of it.'}{' '}
            The server refuses to delete an integration that has instances unless they are deleted too: their
            webhooks stop answering and their executions stop.
          </p>
          <label className="row" htmlFor={forceId}>
            <input
              id={forceId}
              type="checkbox"
              checked={force}
              onChange={(event) => setForce(event.target.checked)}
              data-testid="delete-force"
            />
            <span>Also delete its instances</span>
          </label>
        </>
      ) : (
        <p className="muted">No customer has an instance of it.</p>
      )}
    </ConfirmDialog>
  );
}
