import { component, operation, str } from './define.js';

export const sleep = component('sleep', 'Sleep', {
  actions: [
    operation('sleep', 'Sleep', 'Wait a number of milliseconds before continuing.', [
      str('ms', 'Milliseconds', { default: '1000' }),
    ]),
  ],
});
