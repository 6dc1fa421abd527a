/**
 * The alert triggers of seed 003 ("Alert Monitors"), each with the key the API and CLI use, the name Prismatic shows
 * (`prism alerts:triggers:list`; the CLI accepts either), whether it watches flows or the instance as a whole, what
 * setting it needs, and what clears it.
 *
 * Informational triggers (a run started or completed, an instance enabled or removed) describe something that
 * happened, not a condition that lasts: their events are recorded already cleared. The others stay open until their
 * condition ends (the next run of the flow succeeds, the instance is enabled again, the connection works again) or
 * someone clears them.
 */
export const alertTriggers = [
  {
    key: 'execution-started',
    name: 'Execution Started',
    description: 'An execution of the instance began.',
    scope: 'flow',
    informational: true,
  },
  {
    key: 'execution-completed',
    name: 'Execution Completed',
    description: 'An execution of the instance succeeded.',
    scope: 'flow',
    informational: true,
  },
  {
    key: 'execution-failed',
    name: 'Execution Failed',
    description: 'An execution failed (with no automatic retry left).',
    scope: 'flow',
    informational: false,
    clearedBy: 'the next successful execution of the same flow',
  },
  {
    key: 'execution-failed-retry-pending',
    name: 'Execution Failed, Retry Pending',
    description: 'An execution failed and its automatic retry is queued.',
    scope: 'flow',
    informational: false,
    clearedBy: 'the next successful execution of the same flow',
  },
  {
    key: 'execution-duration-exceeded',
    name: 'Execution Duration Matched or Exceeded',
    description: 'An execution took at least durationThresholdMs.',
    scope: 'flow',
    informational: false,
    setting: 'durationThresholdMs',
    clearedBy: 'the next execution of the same flow that finishes under the threshold',
  },
  {
    key: 'execution-overdue',
    name: 'Execution Overdue',
    description: 'No execution began within overdueIntervalSeconds.',
    scope: 'flow',
    informational: false,
    setting: 'overdueIntervalSeconds',
    clearedBy: 'the next execution',
  },
  {
    key: 'log-level-exceeded',
    name: 'Log Level Matched or Exceeded',
    description: 'An execution logged a line at logLevel or above.',
    scope: 'flow',
    informational: false,
    setting: 'logLevel',
    clearedBy: 'the next execution of the same flow without such a line',
  },
  {
    key: 'connection-exception',
    name: 'Connection Threw an Exception',
    description:
      "One of the instance's connections went into the error state (credentials expired or revoked, a token that could not be renewed).",
    scope: 'instance',
    informational: false,
    clearedBy: 'the connection working again',
  },
  {
    key: 'instance-enabled',
    name: 'Instance Enabled',
    description: 'The instance was enabled (unpaused).',
    scope: 'instance',
    informational: true,
  },
  {
    key: 'instance-disabled',
    name: 'Instance Disabled',
    description: 'The instance was disabled (paused).',
    scope: 'instance',
    informational: false,
    clearedBy: 'the instance being enabled again',
  },
  {
    key: 'instance-removed',
    name: 'Instance Removed',
    description:
      'The instance was deleted. Set it on a default monitor (an integration, a customer or the whole organization): a monitor attached to the instance itself is deleted with it.',
    scope: 'instance',
    informational: true,
  },
] as const satisfies readonly AlertTrigger[];

export interface AlertTrigger {
  key: string;
  name: string;
  description: string;
  scope: 'flow' | 'instance';
  informational: boolean;
  setting?: 'durationThresholdMs' | 'overdueIntervalSeconds' | 'logLevel';
  clearedBy?: string;
}

export type AlertTriggerKey = (typeof alertTriggers)[number]['key'];

export const alertTriggerKeys = alertTriggers.map((trigger) => trigger.key) as AlertTriggerKey[];

const byKey = new Map<string, AlertTrigger>(alertTriggers.map((trigger) => [trigger.key, trigger]));

export function alertTriggerOf(key: string): AlertTrigger | undefined {
  return byKey.get(key);
}

/** A trigger by key or by its seed name, any case ("Execution Failed", "execution-failed"). */
export function alertTriggerNamed(text: string): AlertTrigger | undefined {
  const wanted = text.trim().toLowerCase();
  return alertTriggers.find((trigger) => trigger.key === wanted || trigger.name.toLowerCase() === wanted);
}

export const logLevels = ['debug', 'info', 'warn', 'error'] as const;

export function logLevelAtLeast(level: string, threshold: string): boolean {
  return (
    logLevels.indexOf(level as never) >= logLevels.indexOf(threshold as never) &&
    logLevels.includes(level as never)
  );
}
