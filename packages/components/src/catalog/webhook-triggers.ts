import { component, keyValueList, operation, str, text } from './define.js';

/**
 * The universal webhook trigger. Its inputs shape the HTTP response that the caller receives (for a synchronous
 * flow the response comes from the flow's last step instead); all are optional and blank means "the default".
 */
export const webhookTriggers = component('webhook-triggers', 'Webhook', {
  triggers: [
    operation('webhook', 'Webhook', "Invoke a flow by making an HTTP request to the trigger's URL.", [
      text('body', 'Response Body'),
      str('contentType', 'Response Content Type'),
      keyValueList('headers', 'Additional Response Headers'),
      str('statusCode', 'Response Status Code'),
    ]),
  ],
});
