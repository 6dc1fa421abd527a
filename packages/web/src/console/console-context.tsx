import type { WeftClient } from '@weft/client';
import { createContext, useContext } from 'react';
import type { Permission, SessionInfo } from './console-session.js';

/** What every console screen uses: the API as the signed-in person, who that is, and what they may do. */
export interface ConsoleApp {
  api: WeftClient;
  session: SessionInfo;
  /**
   * Whether the signed-in person holds a permission (`integrations:write`, `instances:configure`...; the table is
   * the server's `roles.ts`, answered by `GET /api/session`). Screens hide what would be refused.
   */
  can(permission: Permission): boolean;
  signOut(): Promise<void>;
}

export const ConsoleAppContext = createContext<ConsoleApp | undefined>(undefined);

export function useConsole(): ConsoleApp {
  const app = useContext(ConsoleAppContext);
  if (!app) throw new Error('useConsole outside the signed-in console');
  return app;
}

/** Shows its children only to people who hold the permission (a viewer sees no button the server would refuse). */
export function IfAllowed({ permission, children }: { permission: Permission; children: React.ReactNode }) {
  const { can } = useConsole();
  return can(permission) ? children : null;
}
