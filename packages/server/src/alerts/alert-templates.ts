/**
 * Alert webhook payloads (seed 003, "Alert Webhooks"): a template the user writes, with `$NAME`-style variables
 * replaced when a monitor fires. Seed 003's variables, plus Weft's own (`$STATE`, `$MESSAGE`, ...), which let one
 * template both open and resolve an incident (PagerDuty's `event_action`, `dedup_key`).
 *
 * A template that is JSON gets each value escaped for a JSON string, so a quote or a newline in an error message
 * cannot break the document; any other template gets the values as they are.
 */

export interface AlertVariables {
  /** The monitor's name. */
  NAME: string;
  INSTANCE: string;
  INSTANCE_ID: string;
  EXECUTION_ID: string;
  CUSTOMER: string;
  CUSTOMER_EXTERNAL_ID: string;
  FLOW: string;
  /** The trigger's seed name, e.g. "Execution Failed". */
  TRIGGER: string;
  STEP: string;
  /** A link to the monitor in the console. */
  URL: string;
  /** What happened, in a sentence. */
  MESSAGE: string;
  /** `triggered`, or `cleared` when the condition ended. */
  STATE: 'triggered' | 'cleared';
  /** PagerDuty's `event_action` for the state: `trigger` or `resolve`. */
  PAGERDUTY_ACTION: 'trigger' | 'resolve';
  /** The alert event's id: a deduplication key that is the same when it fires and when it clears. */
  EVENT_ID: string;
  MONITOR_ID: string;
  /** When it happened, ISO 8601. */
  TIMESTAMP: string;
}

export const alertVariableNames = [
  'SUBJECT',
  'NAME',
  'INSTANCE',
  'INSTANCE_ID',
  'EXECUTION_ID',
  'CUSTOMER',
  'CUSTOMER_EXTERNAL_ID',
  'FLOW',
  'TRIGGER',
  'STEP',
  'URL',
  'MESSAGE',
  'STATE',
  'PAGERDUTY_ACTION',
  'EVENT_ID',
  'MONITOR_ID',
  'TIMESTAMP',
] as const;

/** Seed 003's `$SUBJECT`: a static string. */
export const alertSubject = 'Weft Alert';

export type AlertWebhookPreset = 'custom' | 'slack' | 'pagerduty';

/** The presets: a template to start from (seed 003's "Sending Alerts to Slack / PagerDuty", adapted to Weft). */
export const alertWebhookPresets: Record<
  AlertWebhookPreset,
  { label: string; payloadTemplate: string; urlHint: string }
> = {
  custom: {
    label: 'Custom JSON',
    urlHint: 'https://devops.example.com/alerts',
    payloadTemplate: `{
  "subject": "$SUBJECT",
  "state": "$STATE",
  "monitor": "$NAME",
  "trigger": "$TRIGGER",
  "message": "$MESSAGE",
  "instance": "$INSTANCE",
  "instanceId": "$INSTANCE_ID",
  "customer": "$CUSTOMER",
  "customerExternalId": "$CUSTOMER_EXTERNAL_ID",
  "flow": "$FLOW",
  "step": "$STEP",
  "executionId": "$EXECUTION_ID",
  "eventId": "$EVENT_ID",
  "timestamp": "$TIMESTAMP",
  "url": "$URL"
}`,
  },
  slack: {
    label: 'Slack (incoming webhook)',
    urlHint: 'https://hooks.slack.com/services/T000/B000/XXXX',
    payloadTemplate: `{
  "text": "[$STATE] $NAME: $TRIGGER on $INSTANCE ($CUSTOMER). $MESSAGE See $URL"
}`,
  },
  pagerduty: {
    label: 'PagerDuty (Events API v2)',
    urlHint: 'https://events.pagerduty.com/v2/enqueue',
    payloadTemplate: `{
  "routing_key": "YOUR-PAGERDUTY-INTEGRATION-KEY",
  "event_action": "$PAGERDUTY_ACTION",
  "dedup_key": "$EVENT_ID",
  "links": [{ "href": "$URL", "text": "The alert monitor in Weft" }],
  "payload": {
    "summary": "$NAME: $TRIGGER on $INSTANCE ($CUSTOMER). $MESSAGE",
    "severity": "error",
    "source": "$SUBJECT",
    "custom_details": { "flow": "$FLOW", "step": "$STEP", "execution": "$EXECUTION_ID" }
  }
}`,
  },
};

const variablePattern = /\$([A-Z][A-Z_]*)/g;

/** The template with its variables replaced; unknown `$WORDS` stay as they are. */
export function renderAlertTemplate(template: string, variables: AlertVariables): string {
  const values: Record<string, string> = { SUBJECT: alertSubject, ...variables };
  const json = isJsonTemplate(template);
  return template.replace(variablePattern, (whole, name: string) => {
    const value = lookupLongest(name, values);
    if (!value) return whole;
    const text = json ? JSON.stringify(value.text).slice(1, -1) : value.text;
    return text + name.slice(value.name.length);
  });
}

/**
 * `$INSTANCE_ID` is one variable, not `$INSTANCE` then `_ID`: the longest known name that starts the word wins;
 * what follows it stays (`$FLOWS` renders as the flow then "S").
 */
function lookupLongest(
  word: string,
  values: Record<string, string>,
): { name: string; text: string } | undefined {
  for (let end = word.length; end > 0; end -= 1) {
    const name = word.slice(0, end);
    const text = values[name];
    if (text !== undefined) return { name, text };
  }
  return undefined;
}

/** A template that is a JSON document once its variables are filled with plain text. */
export function isJsonTemplate(template: string): boolean {
  const first = template.trimStart()[0];
  if (first !== '{' && first !== '[') return false;
  try {
    JSON.parse(template.replace(variablePattern, 'x'));
    return true;
  } catch {
    return false;
  }
}

/**
 * A template that starts like JSON but is not JSON: what the API refuses (with where the document breaks), since
 * the receiver would get a body it cannot parse. Answers undefined for a valid JSON or a plain-text template.
 */
export function templateProblem(template: string): string | undefined {
  const first = template.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    JSON.parse(template.replace(variablePattern, 'x'));
    return undefined;
  } catch (error) {
    return `the payload template starts like JSON but is not valid JSON once its $VARIABLES are filled in: ${(error as Error).message}`;
  }
}

/** The email an alert group's users get. */
export function alertEmail(variables: AlertVariables): { subject: string; text: string } {
  const cleared = variables.STATE === 'cleared';
  const subject = `[Weft] ${cleared ? 'Cleared: ' : ''}${variables.NAME}: ${variables.TRIGGER}${
    variables.INSTANCE ? ` on ${variables.INSTANCE}` : ''
  }`;
  const lines = [
    cleared
      ? `The alert monitor "${variables.NAME}" has cleared: ${variables.MESSAGE}`
      : `The alert monitor "${variables.NAME}" was triggered: ${variables.MESSAGE}`,
    '',
    `Trigger:   ${variables.TRIGGER}`,
    variables.INSTANCE ? `Instance:  ${variables.INSTANCE} (${variables.INSTANCE_ID})` : '',
    variables.CUSTOMER
      ? `Customer:  ${variables.CUSTOMER}${variables.CUSTOMER_EXTERNAL_ID ? ` (${variables.CUSTOMER_EXTERNAL_ID})` : ''}`
      : '',
    variables.FLOW ? `Flow:      ${variables.FLOW}` : '',
    variables.STEP ? `Step:      ${variables.STEP}` : '',
    variables.EXECUTION_ID ? `Execution: ${variables.EXECUTION_ID}` : '',
    `When:      ${variables.TIMESTAMP}`,
    '',
    variables.URL ? `Open the monitor: ${variables.URL}` : '',
  ].filter((line, index, all) => line !== '' || (all[index - 1] ?? '') !== '');
  return { subject, text: `${lines.join('\n').trim()}\n` };
}
