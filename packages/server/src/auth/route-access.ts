import type { FastifyContextConfig } from 'fastify';
import { customerPermissions, permissions } from './roles.js';

/**
 * The sentence the API reference shows under each operation: who may call it, from the same route config the
 * authentication hook enforces, so the documentation cannot drift from what the server does.
 */
export function accessSentence(config: FastifyContextConfig | undefined): string | undefined {
  if (!config || config.public) return undefined;
  const permission = config.permission;
  if (!permission) return '**Access**: nobody (the route names no permission).';
  const orgRoles = permissions[permission].join(', ');
  const customerRoles = customerPermissions[permission];
  const scope = config.customerScope;
  const customers =
    scope && customerRoles?.length
      ? `customer users with role ${customerRoles.join(', ')}, for their own customer only`
      : 'not customer users';
  return `**Access**: \`${permission}\` — organization roles ${orgRoles}; ${customers}.`;
}
