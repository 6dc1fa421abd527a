import { component, data, operation, picklist, text } from './define.js';

export const log = component('log', 'Log', {
  actions: [
    operation('writeLog', 'Write Log Message', 'Write a message to the execution log.', [
      picklist('level', 'Log Level', ['debug', 'info', 'warn', 'error'], { default: 'info' }),
      text('message', 'Log Message'),
    ]),
    operation('writeMetric', 'Write Metric(s)', 'Write metrics to an external log stream.', [
      // Key inferred from the label; the documentation does not print it.
      data('metrics', 'Metrics'),
    ]),
  ],
});
