import { bool, component, data, operation, str } from './define.js';

/** A flow that calls itself with a cursor, to process more data in series than one execution has time for. */
export const recursiveFlow = component('recursive-flow', 'Recursive Flow', {
  triggers: [
    operation(
      'recursiveTrigger',
      'Recursive Trigger',
      "Accept a request from an 'Invoke Recursive Trigger' step.",
      [
        str('defaultCursor', 'Default Cursor Value', { required: true }),
        bool('runOnDeploy', 'Run on Deploy'),
      ],
    ),
  ],
  actions: [
    operation('getCursor', 'Get Recursive Cursor', 'Get the cursor this execution was invoked with.'),
    operation('setCursor', 'Set Recursive Cursor', 'Set the cursor to pass to the next execution.', [
      data('cursor', 'Cursor'),
    ]),
    operation(
      'invokeRecursive',
      'Invoke Recursive Trigger',
      'Start a new execution of this flow with the current cursor.',
    ),
  ],
});
