import type { WeftClient } from '@weft/client';
import type { InitPayload, WeftEventDataMap } from '@weft/embed/protocol';
import { createContext, useContext } from 'react';
import type { Translate } from '../shared/i18n.js';
import type { EmbeddedContextAnswer, FrameSession } from './frame-session.js';

/** What every embedded screen uses: the API as the signed-in user, the host's options, and the host's events. */
export interface EmbeddedApp {
  api: WeftClient;
  session: FrameSession;
  init: InitPayload;
  identity: EmbeddedContextAnswer;
  t: Translate;
  locale: string | undefined;
  /** Customer users of role marketplace-user (JWT `role: "user"`) look but do not change. */
  readOnly: boolean;
  emit<E extends keyof WeftEventDataMap>(event: E, data: WeftEventDataMap[E]): void;
}

export const EmbeddedAppContext = createContext<EmbeddedApp | undefined>(undefined);

export function useEmbeddedApp(): EmbeddedApp {
  const app = useContext(EmbeddedAppContext);
  if (!app) throw new Error('useEmbeddedApp outside the embedded app');
  return app;
}
