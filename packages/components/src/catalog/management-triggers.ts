import { component, operation } from './define.js';

/** Lifecycle triggers: flows that run when an instance (or a user-level configuration) is deployed or removed. */
export const managementTriggers = component('management-triggers', 'Management Triggers', {
  triggers: [
    operation('instanceDeploy', 'Instance Deploy', 'Executes a flow when an instance is deployed.'),
    operation('instanceRemove', 'Instance Remove', 'Executes a flow when an instance is removed.'),
    // The documentation names these two but does not print their keys; these follow its naming.
    operation(
      'userLevelConfigDeploy',
      'User Level Config Deploy',
      'Executes a flow when a user-level configuration is completed.',
    ),
    operation(
      'userLevelConfigRemove',
      'User Level Config Remove',
      'Executes a flow when a user-level configuration is removed.',
    ),
  ],
});
