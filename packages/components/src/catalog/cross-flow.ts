import { component, data, operation, str } from './define.js';

/** Flow-to-flow invocation within one instance; the callee starts with the cross-flow trigger. */
export const crossFlow = component('cross-flow', 'Cross Flow', {
  triggers: [
    operation(
      'crossFlow',
      'Cross Flow Trigger',
      'Starts a flow that is designed to be invoked by other flows of the same instance.',
    ),
  ],
  actions: [
    operation('invokeFlow', 'Invoke Flow', 'Invokes another flow of this instance and passes data to it.', [
      str('flowName', 'Flow Name'),
      data('data', 'Data'),
    ]),
  ],
});
