/**
 * Organization roles, most powerful first, and what each may do. Routes name the permission they need; this table
 * is the only place that says which roles hold it.
 */
export const orgRoles = ['owner', 'admin', 'integrator', 'support', 'viewer'] as const;
export type OrgRole = (typeof orgRoles)[number];

export const permissions = {
  'customers:read': ['owner', 'admin', 'integrator', 'support', 'viewer'],
  'customers:write': ['owner', 'admin', 'integrator', 'support'],
  'integrations:read': ['owner', 'admin', 'integrator', 'support', 'viewer'],
  'integrations:write': ['owner', 'admin', 'integrator'],
  'integrations:publish': ['owner', 'admin', 'integrator'],
  'components:read': ['owner', 'admin', 'integrator', 'support', 'viewer'],
  'components:write': ['owner', 'admin', 'integrator'],
  'instances:read': ['owner', 'admin', 'integrator', 'support', 'viewer'],
  'instances:write': ['owner', 'admin', 'integrator', 'support'],
  'connections:read': ['owner', 'admin', 'integrator', 'support', 'viewer'],
  'connections:write': ['owner', 'admin', 'integrator', 'support'],
  'encryption:read': ['owner', 'admin'],
  'encryption:rotate': ['owner'],
  'tokens:read': ['owner', 'admin'],
  'tokens:write': ['owner', 'admin'],
} as const satisfies Record<string, readonly OrgRole[]>;

export type Permission = keyof typeof permissions;

export function roleAllows(role: OrgRole, permission: Permission): boolean {
  return (permissions[permission] as readonly OrgRole[]).includes(role);
}

/** A token may only hand out roles at or below its own, so an admin cannot mint an owner token. */
export function canGrantRole(granter: OrgRole, role: OrgRole): boolean {
  return orgRoles.indexOf(role) >= orgRoles.indexOf(granter);
}
