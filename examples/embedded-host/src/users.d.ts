export interface DemoUser {
  /** The user's id in Northwind Books: the JWT's `sub` and `external_id`. */
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'user';
  /** The user's company, one of Northwind's customers: the JWT's `customer` (externalId) and `customer_name`. */
  customer: { externalId: string; name: string };
}

/** The password of every demo user. */
export const DEMO_PASSWORD: string;
export const users: readonly DemoUser[];
export function userByEmail(email: string): DemoUser | undefined;
export function userById(id: string): DemoUser | undefined;
