import { useEffect, useId, useRef, useState } from 'react';
import { useLocation } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { Dialog } from '../../ui/dialog.js';
import { PageHeader } from '../../ui/page.js';
import {
  type EventGroup,
  type EventTypeInfo,
  type EventWebhook,
  eventWebhooksHref,
  groupsOf,
  newSigningSecret,
  SignatureHelp,
  WithCode,
} from './event-webhooks-parts.js';
import { type EventWebhookUpdateBody, useCreateEventWebhook, useUpdateEventWebhook } from './mutations.js';
import { useEventTypes, useEventWebhook } from './queries.js';
import { FieldError, FormError, fieldErrorsOf, formErrorOf, OnceSecret } from './settings-common.js';

/** What to do with the signing secret on save. */
type SecretChoice = 'keep' | 'generate' | 'own' | 'remove';

interface Draft {
  name: string;
  url: string;
  description: string;
  enabled: boolean;
  eventTypes: string[];
  secret: SecretChoice;
  ownSecret: string;
}

/** Create (no id) or edit an event webhook: the whole form on one screen, as seed 003's "+ Event Webhook" page. */
export default function EventWebhookForm({ webhookId }: { webhookId?: string }) {
  const catalog = useEventTypes();
  const existing = useEventWebhook(webhookId ?? '', webhookId !== undefined);
  const title = webhookId ? 'Edit event webhook' : 'Add an event webhook';
  const back = webhookId
    ? { href: `/${webhookId}`, label: existing.data?.name ?? 'Event webhook' }
    : { href: eventWebhooksHref, label: 'Event webhooks' };
  const failed = catalog.error ?? (webhookId ? existing.error : null);
  return (
    <>
      <PageHeader title={title} back={back} />
      {failed ? (
        <ErrorNotice
          onRetry={() => {
            void catalog.refetch();
            if (webhookId) void existing.refetch();
          }}
        >
          {messageOf(failed)}
        </ErrorNotice>
      ) : !catalog.data || (webhookId && !existing.data) ? (
        <Loading />
      ) : (
        <WebhookForm catalog={catalog.data.items} webhook={webhookId ? existing.data : undefined} />
      )}
    </>
  );
}

function draftOf(webhook: EventWebhook | undefined): Draft {
  return {
    name: webhook?.name ?? '',
    url: webhook?.url ?? '',
    description: webhook?.description ?? '',
    enabled: webhook?.enabled ?? true,
    eventTypes: webhook?.eventTypes ?? [],
    // A new webhook is signed unless its maker says otherwise: unsigned events can be forged by anyone.
    secret: webhook ? 'keep' : 'generate',
    ownSecret: '',
  };
}

function WebhookForm({ catalog, webhook }: { catalog: EventTypeInfo[]; webhook: EventWebhook | undefined }) {
  const [, navigate] = useLocation();
  const create = useCreateEventWebhook();
  const update = useUpdateEventWebhook();
  const mutation = webhook ? update : create;
  const [draft, setDraft] = useState<Draft>(() => draftOf(webhook));
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  // The secret to show once after saving, and where to go when its dialog closes.
  const [shown, setShown] = useState<{ secret: string; id: string; name: string }>();
  const ids = {
    name: useId(),
    url: useId(),
    description: useId(),
    enabled: useId(),
    secret: useId(),
    ownSecret: useId(),
    events: useId(),
  };
  const errors = { ...fieldErrorsOf(mutation.error), ...localErrors };
  const set = (change: Partial<Draft>) => {
    setDraft((current) => ({ ...current, ...change }));
    setLocalErrors((current) => {
      const next = { ...current };
      for (const key of Object.keys(change)) delete next[key === 'ownSecret' ? 'secret' : key];
      return next;
    });
  };

  const submit = () => {
    const problems: Record<string, string> = {};
    if (draft.eventTypes.length === 0) {
      problems.eventTypes = 'Choose at least one event type: the webhook hears only the events chosen.';
    }
    if (draft.secret === 'own' && draft.ownSecret.length < 8) {
      problems.secret = 'A secret has at least 8 characters; a long random one is best.';
    }
    setLocalErrors(problems);
    if (Object.keys(problems).length > 0) {
      document.getElementById(problems.eventTypes ? ids.events : ids.ownSecret)?.focus();
      return;
    }
    if (!webhook) {
      create.mutate(
        {
          name: draft.name.trim(),
          url: draft.url.trim(),
          description: draft.description,
          enabled: draft.enabled,
          eventTypes: draft.eventTypes,
          ...(draft.secret === 'generate' ? { generateSecret: true } : {}),
          ...(draft.secret === 'own' ? { secret: draft.ownSecret } : {}),
        },
        {
          onSuccess: (created) => {
            if (created.secret) setShown({ secret: created.secret, id: created.id, name: created.name });
            else navigate(`/${created.id}`);
          },
        },
      );
      return;
    }
    const body: EventWebhookUpdateBody = {};
    if (draft.name.trim() !== webhook.name) body.name = draft.name.trim();
    if (draft.url.trim() !== webhook.url) body.url = draft.url.trim();
    if (draft.description !== webhook.description) body.description = draft.description;
    if (draft.enabled !== webhook.enabled) body.enabled = draft.enabled;
    if (!sameSet(draft.eventTypes, webhook.eventTypes)) body.eventTypes = draft.eventTypes;
    const generated = draft.secret === 'generate' ? newSigningSecret() : undefined;
    if (generated) body.secret = generated;
    else if (draft.secret === 'own') body.secret = draft.ownSecret;
    else if (draft.secret === 'remove') body.secret = null;
    if (Object.keys(body).length === 0) {
      navigate(`/${webhook.id}`);
      return;
    }
    update.mutate(
      { id: webhook.id, body },
      {
        onSuccess: (saved) => {
          if (generated) setShown({ secret: generated, id: saved.id, name: saved.name });
          else navigate(`/${saved.id}`);
        },
      },
    );
  };

  const secretChoices: Array<{ value: SecretChoice; label: string; help: string }> = !webhook
    ? [
        {
          value: 'generate',
          label: 'Generate a secret',
          help: 'Weft makes a strong secret and shows it to you once, after saving.',
        },
        { value: 'own', label: 'Use my own secret', help: 'Paste a secret your app already holds.' },
        {
          value: 'keep',
          label: "Don't sign requests",
          help: 'Your app cannot tell these requests from forged ones.',
        },
      ]
    : webhook.hasSecret
      ? [
          { value: 'keep', label: 'Keep the current secret', help: 'Requests stay signed as they are.' },
          {
            value: 'generate',
            label: 'Rotate: generate a new secret',
            help: 'Shown once after saving; requests are signed with it from then on.',
          },
          {
            value: 'own',
            label: 'Rotate: use my own secret',
            help: 'Requests are signed with it from then on.',
          },
          {
            value: 'remove',
            label: 'Remove the secret',
            help: 'Requests are no longer signed, so your app cannot tell them from forged ones.',
          },
        ]
      : [
          {
            value: 'keep',
            label: "Don't sign requests",
            help: 'As now: your app cannot tell these requests from forged ones.',
          },
          {
            value: 'generate',
            label: 'Generate a secret',
            help: 'Weft makes a strong secret and shows it to you once, after saving.',
          },
          { value: 'own', label: 'Use my own secret', help: 'Paste a secret your app already holds.' },
        ];
  const secretError = errors.secret ?? errors.generateSecret;
  const formError = formErrorOf(mutation.error, [
    'name',
    'url',
    'description',
    'eventTypes',
    'secret',
    'generateSecret',
    'enabled',
  ]);

  return (
    <>
      <form
        className="stack settings-mon-form"
        data-testid="event-webhook-form"
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <section className="card stack" aria-labelledby={`${ids.name}-heading`}>
          <h2 id={`${ids.name}-heading`}>Where events go</h2>
          <div className="settings-mon-grid">
            <div className="field">
              <label htmlFor={ids.name}>Name</label>
              <input
                id={ids.name}
                className="input"
                required
                maxLength={200}
                placeholder="Production app"
                value={draft.name}
                aria-invalid={errors.name ? true : undefined}
                aria-describedby={errors.name ? `${ids.name}-error` : undefined}
                data-testid="event-webhook-name"
                onChange={(event) => set({ name: event.target.value })}
              />
              <FieldError id={`${ids.name}-error`} message={errors.name} />
            </div>
            <div className="field">
              <label htmlFor={ids.url}>URL</label>
              <input
                id={ids.url}
                className="input mono"
                type="url"
                required
                maxLength={2000}
                placeholder="https://app.example.com/weft-events"
                value={draft.url}
                aria-invalid={errors.url ? true : undefined}
                aria-describedby={`${ids.url}-help${errors.url ? ` ${ids.url}-error` : ''}`}
                data-testid="event-webhook-url"
                onChange={(event) => set({ url: event.target.value })}
              />
              <div id={`${ids.url}-help`} className="help small muted">
                Events are POSTed here as JSON; answer 2xx to acknowledge one.
              </div>
              <FieldError id={`${ids.url}-error`} message={errors.url} />
            </div>
          </div>
          <div className="field">
            <label htmlFor={ids.description}>Description</label>
            <textarea
              id={ids.description}
              className="textarea"
              rows={2}
              maxLength={5000}
              placeholder="What listens here, and who to ask about it"
              value={draft.description}
              aria-invalid={errors.description ? true : undefined}
              aria-describedby={errors.description ? `${ids.description}-error` : undefined}
              data-testid="event-webhook-description"
              onChange={(event) => set({ description: event.target.value })}
            />
            <FieldError id={`${ids.description}-error`} message={errors.description} />
          </div>
          <div className="field">
            <label className="switch" htmlFor={ids.enabled}>
              <input
                id={ids.enabled}
                type="checkbox"
                role="switch"
                aria-checked={draft.enabled}
                aria-describedby={`${ids.enabled}-help`}
                checked={draft.enabled}
                data-testid="event-webhook-enabled"
                onChange={(event) => set({ enabled: event.target.checked })}
              />
              <span className="switch-label">Enabled</span>
            </label>
            <div id={`${ids.enabled}-help`} className="help small muted">
              A disabled webhook is sent nothing (test events excepted); events that happen meanwhile are not
              kept for it.
            </div>
          </div>
        </section>

        <section className="card stack" aria-labelledby={`${ids.events}-heading`}>
          <h2 id={`${ids.events}-heading`}>Events</h2>
          <EventTypePicker
            id={ids.events}
            groups={groupsOf(catalog)}
            selected={draft.eventTypes}
            error={errors.eventTypes}
            onChange={(eventTypes) => set({ eventTypes })}
          />
        </section>

        <section className="card stack" aria-labelledby={`${ids.secret}-heading`}>
          <h2 id={`${ids.secret}-heading`}>Signing secret</h2>
          <p className="small muted">
            <SignatureHelp />
          </p>
          <fieldset
            className="settings-fieldset"
            aria-describedby={secretError ? `${ids.secret}-error` : undefined}
          >
            <legend className="visually-hidden">Signing secret</legend>
            {secretChoices.map((choice) => (
              <label key={choice.value} className="row settings-radio">
                <input
                  type="radio"
                  name={ids.secret}
                  value={choice.value}
                  checked={draft.secret === choice.value}
                  data-testid={`event-webhook-secret-${choice.value}`}
                  onChange={() => set({ secret: choice.value })}
                />
                <span>
                  {choice.label}
                  <span className="small muted"> — {choice.help}</span>
                </span>
              </label>
            ))}
          </fieldset>
          {draft.secret === 'own' && (
            <div className="field settings-mon-secret-field">
              <label htmlFor={ids.ownSecret}>Secret</label>
              <input
                id={ids.ownSecret}
                className="input mono"
                type="password"
                autoComplete="new-password"
                minLength={8}
                maxLength={500}
                value={draft.ownSecret}
                aria-invalid={secretError ? true : undefined}
                aria-describedby={`${ids.ownSecret}-help${secretError ? ` ${ids.secret}-error` : ''}`}
                data-testid="event-webhook-secret-value"
                onChange={(event) => set({ ownSecret: event.target.value })}
              />
              <div id={`${ids.ownSecret}-help`} className="help small muted">
                8 to 500 characters. Stored encrypted; Weft never shows it again.
              </div>
            </div>
          )}
          <FieldError id={`${ids.secret}-error`} message={secretError} />
        </section>

        <FormError message={formError} />
        <div className="row wrap">
          <button
            type="submit"
            className="button primary"
            disabled={mutation.isPending}
            data-testid="event-webhook-save"
          >
            {mutation.isPending ? 'Saving…' : webhook ? 'Save changes' : 'Create event webhook'}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => navigate(webhook ? `/${webhook.id}` : eventWebhooksHref)}
          >
            Cancel
          </button>
        </div>
      </form>
      {shown && (
        <Dialog
          title={webhook ? 'New signing secret' : `Event webhook “${shown.name}” created`}
          onClose={() => navigate(`/${shown.id}`)}
          footer={
            <button
              type="button"
              className="button primary"
              data-testid="event-webhook-secret-done"
              onClick={() => navigate(`/${shown.id}`)}
            >
              Done
            </button>
          }
        >
          <OnceSecret
            label="Signing secret"
            value={shown.secret}
            testId="event-webhook-secret-shown"
            warning={
              <>
                Copy the signing secret now and store it with your app.{' '}
                <strong>It won't be shown again</strong>: Weft keeps it encrypted and never answers it.
              </>
            }
          />
          <p className="small muted">
            <SignatureHelp />
          </p>
        </Dialog>
      )}
    </>
  );
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

/**
 * The event types as grouped checkboxes, seed 003's "category checkboxes select all events of a category": each
 * group's own box is checked when all its types are, mixed when some are.
 */
function EventTypePicker({
  id,
  groups,
  selected,
  error,
  onChange,
}: {
  id: string;
  groups: EventGroup[];
  selected: string[];
  error: string | undefined;
  onChange: (eventTypes: string[]) => void;
}) {
  const all = groups.flatMap((group) => group.types.map((info) => info.type));
  // Keep the catalog's order (and any type the catalog no longer lists, so saving does not drop it silently).
  const ordered = (chosen: Set<string>) => [
    ...all.filter((type) => chosen.has(type)),
    ...selected.filter((type) => chosen.has(type) && !all.includes(type)),
  ];
  const toggle = (types: string[], on: boolean) => {
    const chosen = new Set(selected);
    for (const type of types) {
      if (on) chosen.add(type);
      else chosen.delete(type);
    }
    onChange(ordered(chosen));
  };
  const count = selected.filter((type) => all.includes(type)).length;
  return (
    <div className="stack-tight">
      <div className="row wrap settings-mon-picker-bar">
        <span className="small" aria-live="polite" data-testid="event-webhook-selected-count">
          {count} of {all.length} event types selected
        </span>
        <span className="spacer" />
        <button
          id={id}
          type="button"
          className="button small-button"
          aria-describedby={error ? `${id}-error` : undefined}
          data-testid="event-webhook-select-all"
          onClick={() => toggle(all, true)}
        >
          Select all
        </button>
        <button
          type="button"
          className="button small-button"
          disabled={count === 0}
          onClick={() => toggle(all, false)}
        >
          Clear
        </button>
      </div>
      <FieldError id={`${id}-error`} message={error} />
      <div className="settings-mon-groups">
        {groups.map((group) => (
          <EventGroupBox key={group.name} group={group} selected={selected} toggle={toggle} />
        ))}
      </div>
    </div>
  );
}

function EventGroupBox({
  group,
  selected,
  toggle,
}: {
  group: EventGroup;
  selected: string[];
  toggle: (types: string[], on: boolean) => void;
}) {
  const types = group.types.map((info) => info.type);
  const chosen = types.filter((type) => selected.includes(type)).length;
  const groupBox = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (groupBox.current) groupBox.current.indeterminate = chosen > 0 && chosen < types.length;
  }, [chosen, types.length]);
  const slug = group.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <fieldset className="settings-mon-group" data-testid={`event-group-${slug}`}>
      <legend>
        <label className="checkbox">
          <input
            ref={groupBox}
            type="checkbox"
            checked={chosen === types.length}
            data-testid={`event-group-toggle-${slug}`}
            onChange={(event) => toggle(types, event.target.checked)}
          />
          <span>
            {group.name}{' '}
            <span className="small muted">
              ({chosen}/{types.length})
            </span>
          </span>
        </label>
      </legend>
      <ul className="settings-mon-types">
        {group.types.map((info) => (
          <li key={info.type}>
            <label className="settings-mon-type">
              <input
                type="checkbox"
                checked={selected.includes(info.type)}
                data-testid={`event-type-${info.type}`}
                onChange={(event) => toggle([info.type], event.target.checked)}
              />
              <span>
                <span className="settings-mon-type-label">{info.label}</span>{' '}
                <code className="small">{info.type}</code>
                <span className="small muted settings-mon-type-help">
                  <WithCode text={info.description} />
                </span>
              </span>
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}
