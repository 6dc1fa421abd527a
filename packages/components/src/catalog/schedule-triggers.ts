import { component, operation } from './define.js';

/**
 * The schedule trigger. It takes no inputs: the trigger step itself carries
 * `schedule: {type: value | configVar, value: "<cron>", meta: {scheduleType, timeZone}}`.
 */
export const scheduleTriggers = component('schedule-triggers', 'Schedule', {
  triggers: [operation('schedule', 'Schedule', 'Invoke a flow on a recurring custom schedule.')],
});
