import type { ReactNode } from 'react';
import type { ApiSchema } from '../../../shared/api.js';
import { Badge } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { PageHeader } from '../../ui/page.js';

/** The list's address from anywhere (`/` inside the tab's nested routes would leave a trailing slash). */
export const eventWebhooksHref = '~/settings/event-webhooks';

export type EventWebhook = ApiSchema<'EventWebhook'>;
export type EventTypeInfo = ApiSchema<'EventTypeInfo'>;
export type EventWebhookDelivery = ApiSchema<'EventWebhookDelivery'>;

/** The screens that change things (a form opened by its URL): only for people who hold `monitoring:write`. */
export function WriteOnly({ what, children }: { what: string; children: ReactNode }) {
  const { can } = useConsole();
  if (can('monitoring:write')) return children;
  return (
    <>
      <PageHeader title="Not allowed" />
      <div className="notice info">
        Your role does not let you {what}. An owner or admin of the organization can.
      </div>
    </>
  );
}

export interface EventGroup {
  name: string;
  types: EventTypeInfo[];
}

/** The catalog's groups in the catalog's order (the API lists types group by group). */
export function groupsOf(catalog: readonly EventTypeInfo[]): EventGroup[] {
  const groups: EventGroup[] = [];
  for (const info of catalog) {
    const group = groups.find((candidate) => candidate.name === info.group);
    if (group) group.types.push(info);
    else groups.push({ name: info.group, types: [info] });
  }
  return groups;
}

/** "All 33 events", "12 events": how much a webhook hears, at a glance. */
export function EventCount({
  eventTypes,
  catalog,
}: {
  eventTypes: readonly string[];
  catalog: readonly EventTypeInfo[] | undefined;
}) {
  const all = catalog && catalog.length > 0 && catalog.every((info) => eventTypes.includes(info.type));
  const count = eventTypes.length;
  return (
    <span title={eventTypes.join(', ')}>
      {all ? `All ${count} events` : `${count} event${count === 1 ? '' : 's'}`}
    </span>
  );
}

export function SigningBadge({ signed }: { signed: boolean }) {
  return signed ? <Badge kind="configured">signed</Badge> : <Badge kind="not_configured">not signed</Badge>;
}

export function DeliveryStatusBadge({ status }: { status: EventWebhookDelivery['status'] }) {
  const kind = status === 'delivered' ? 'succeeded' : status === 'failed' ? 'failed' : 'queued';
  return <Badge kind={kind}>{status}</Badge>;
}

/**
 * A new signing secret made in the page, as the server makes them (`whsec_` and 24 random bytes, base64url): the
 * update route takes a secret but does not make one, and this one is shown once, right after saving.
 */
export function newSigningSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const base64 = btoa(String.fromCharCode(...bytes));
  return `whsec_${base64.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}`;
}

/** A JSON body indented for reading; anything else as it is. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** How an app checks a request came from Weft, next to the secret it needs. */
export function SignatureHelp() {
  return (
    <>
      Each request carries <code>x-webhook-signature: sha256=&lt;hex&gt;</code>, the HMAC-SHA256 of the raw
      request body under the secret. Compute it in your app and refuse requests whose signature differs.
    </>
  );
}

/** A catalog text with `code` in backticks, shown as code. */
export function WithCode({ text }: { text: string }) {
  return (
    <>
      {text.split('`').map((part, index) =>
        // Odd parts were between backticks; a text's parts never move, so the index is a stable key.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        index % 2 === 1 ? <code key={index}>{part}</code> : <span key={index}>{part}</span>,
      )}
    </>
  );
}
