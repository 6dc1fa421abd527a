import { component, data, operation, str } from './define.js';

/**
 * Loops. A loop step holds child `steps`; inside them `<loopStep>.currentItem` and `<loopStep>.index` can be
 * referenced, and the loop's result is the list of the last child step's results.
 */
export const loop = component('loop', 'Loop', {
  actions: [
    operation(
      'loopOverItems',
      'Loop Over Items',
      'Run the child steps once for each item of an array or object.',
      [data('items', 'Items')],
      { kind: 'loop' },
    ),
    operation(
      'loopNTimes',
      'Loop N Times',
      'Run the child steps N times, or until a Break Loop step runs.',
      [str('iterationCount', 'Number of Iterations', { default: '1000' })],
      { kind: 'loop' },
    ),
    operation('breakLoop', 'Break Loop', 'Leave the innermost loop; execution resumes after it.'),
  ],
});
