import { component, keyValueList, operation, str, text } from './define.js';

/** Ends the execution; for a synchronous invocation its inputs are the HTTP response. */
export const stopExecution = component('stop-execution', 'Stop Execution', {
  actions: [
    operation('stopExecution', 'Stop Execution', 'Terminate the current execution.', [
      str('statusCode', 'HTTP Status Code', { default: '200' }),
      text('jsonBody', 'Response Body'),
      str('contentType', 'Response Content Type', { default: 'application/json' }),
      keyValueList('headers', 'HTTP Headers'),
    ]),
  ],
});
