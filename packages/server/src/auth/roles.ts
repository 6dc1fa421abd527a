/**
 * Roles and what each may do. Routes name the permission they need; these two tables are the only place that says
 * which roles hold it: `permissions` for the organization's team and its tokens, `customerPermissions` for customer
 * users (Prismatic's customer roles). A permission missing from `customerPermissions` is organization-only.
 */
export const orgRoles = ['owner', 'admin', 'integrator', 'support', 'viewer'] as const;
export type OrgRole = (typeof orgRoles)[number];

/** Prismatic's customer roles; embedded sign-in creates marketplace admins (JWT role 'admin') or users ('user'). */
export const customerRoles = ['admin', 'member', 'marketplace-admin', 'marketplace-user'] as const;
export type CustomerRole = (typeof customerRoles)[number];

const everyone = ['owner', 'admin', 'integrator', 'support', 'viewer'] as const;
const builders = ['owner', 'admin', 'integrator'] as const;
const operators = ['owner', 'admin', 'integrator', 'support'] as const;
const managers = ['owner', 'admin'] as const;

export const permissions = {
  'organization:read': everyone,
  'organization:write': ['owner'],
  'customers:read': everyone,
  'customers:write': operators,
  'customer-users:read': everyone,
  'customer-users:write': operators,
  'users:read': everyone,
  'users:write': managers,
  'integrations:read': everyone,
  'integrations:write': builders,
  'integrations:publish': builders,
  'marketplace:read': everyone,
  'marketplace:activate': operators,
  'components:read': everyone,
  'components:write': builders,
  'instances:read': everyone,
  'instances:write': operators,
  /** Configure, deploy, pause and remove an existing instance: what customer admins may do to their own. */
  'instances:configure': operators,
  'instances:test': operators,
  'connections:read': everyone,
  'connections:write': operators,
  'encryption:read': managers,
  'encryption:rotate': ['owner'],
  'tokens:read': managers,
  'tokens:write': managers,
  'signing-keys:read': managers,
  'signing-keys:write': managers,
  'audit:read': managers,
  /** Alert monitors, groups, webhooks and events: support staff set them up and clear them. */
  'alerts:read': everyone,
  'alerts:write': operators,
  /** Event webhooks and log streams: where the organization's data goes out, so managers only. */
  'monitoring:read': everyone,
  'monitoring:write': managers,
} as const satisfies Record<string, readonly OrgRole[]>;

export type Permission = keyof typeof permissions;

/**
 * Seed 003's customer role table: admins manage their users and instances, members read, marketplace admins deploy
 * and manage their integrations, marketplace users only use what is deployed. Everything a customer may reach is
 * confined to its own customer by the authentication hook.
 */
export const customerPermissions: Partial<Record<Permission, readonly CustomerRole[]>> = {
  'customer-users:read': ['admin', 'member'],
  'customer-users:write': ['admin'],
  'marketplace:read': ['admin', 'member', 'marketplace-admin', 'marketplace-user'],
  'marketplace:activate': ['admin', 'marketplace-admin'],
  'instances:read': ['admin', 'member', 'marketplace-admin'],
  'instances:configure': ['admin', 'marketplace-admin'],
  'instances:test': ['admin', 'marketplace-admin'],
  'connections:read': ['admin', 'member', 'marketplace-admin'],
  'connections:write': ['admin', 'marketplace-admin'],
};

export function roleAllows(role: OrgRole, permission: Permission): boolean {
  return (permissions[permission] as readonly OrgRole[]).includes(role);
}

/** Every permission a role holds: the console shows only the buttons the caller may use. */
export function permissionsOfRole(role: OrgRole): Permission[] {
  return (Object.keys(permissions) as Permission[]).filter((permission) => roleAllows(role, permission));
}

export function customerRoleAllows(role: CustomerRole, permission: Permission): boolean {
  return customerPermissions[permission]?.includes(role) ?? false;
}

/** A caller may only hand out roles at or below its own, so an admin cannot mint an owner token or user. */
export function canGrantRole(granter: OrgRole, role: OrgRole): boolean {
  return orgRoles.indexOf(role) >= orgRoles.indexOf(granter);
}
