import { code, component, operation } from './define.js';

const actionTemplate = `module.exports = async ({ logger, configVars }, stepResults) => {
  return { data: null };
};`;

const triggerTemplate = `module.exports = async ({ logger, configVars }, payload) => {
  return { payload };
};`;

/** JavaScript written into the step itself. */
export const codeComponent = component('code', 'Code', {
  actions: [
    operation('runCode', 'Code Block', 'Run your own JavaScript.', [
      code('code', 'Code', { default: actionTemplate }),
    ]),
  ],
  triggers: [
    operation('runCodeTrigger', 'Code Block Trigger', 'Run your own JavaScript as a trigger.', [
      code('code', 'Code', { default: triggerTemplate }),
    ]),
  ],
});
