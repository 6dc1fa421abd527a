// The demo users of Northwind Books, the fictional accounting app this example plays. A real app has its own user
// store; what matters here is what each user says about the JWT claims: who they are (`sub`, `name`), which of the
// company's customers they belong to (`customer`, `customer_name`) and their marketplace role (`role`).

/** The password of every demo user (the sign-in page shows it: these accounts are not secret). */
export const DEMO_PASSWORD = 'northwind';

/**
 * @typedef {object} DemoUser
 * @property {string} id The user's id in Northwind Books: the JWT's `sub` and `external_id`.
 * @property {string} email What they sign in with.
 * @property {string} name
 * @property {'admin' | 'user'} role `admin`: activates and configures integrations; `user`: only user-level settings.
 * @property {{ externalId: string, name: string }} customer Northwind's customer (the company they work for).
 */

/** @type {readonly DemoUser[]} */
export const users = Object.freeze([
  {
    id: 'nw-user-ada',
    email: 'ada@acme.example',
    name: 'Ada Okafor',
    role: 'admin',
    customer: { externalId: 'acme', name: 'Acme Corp' },
  },
  {
    id: 'nw-user-grace',
    email: 'grace@acme.example',
    name: 'Grace Lindqvist',
    role: 'user',
    customer: { externalId: 'acme', name: 'Acme Corp' },
  },
  {
    id: 'nw-user-alan',
    email: 'alan@globex.example',
    name: 'Alan Moreau',
    role: 'admin',
    customer: { externalId: 'globex', name: 'Globex Inc' },
  },
]);

/**
 * The user with this email (any case, surrounding spaces ignored), or undefined.
 * @param {string} email
 * @returns {DemoUser | undefined}
 */
export function userByEmail(email) {
  const wanted = email.trim().toLowerCase();
  return users.find((user) => user.email === wanted);
}

/**
 * @param {string} id
 * @returns {DemoUser | undefined}
 */
export function userById(id) {
  return users.find((user) => user.id === id);
}
