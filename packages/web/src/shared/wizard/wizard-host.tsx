import type { QueryKey } from '@tanstack/react-query';
import type { WeftClient } from '@weft/client';
import { createContext, useContext } from 'react';
import type { Translate } from '../i18n.js';
import type { Draft, Wizard, WizardPage } from './wizard-data.js';

/** Values pushed into the open wizard from outside (the embedding app's `setConfigVars`), by variable name. */
export type PushedValues = Record<
  string,
  { value: unknown } | { inputs: Record<string, { value: unknown }> }
>;

/**
 * What the config wizard needs from the page that shows it: the embedded marketplace (a customer user, answering
 * the host's events) or the console (the organization's team). The wizard itself behaves the same in both; what
 * the server answers differs by caller (org-only variables are the organization's to see).
 */
export interface WizardHost {
  api: WeftClient;
  t: Translate;
  locale: string | undefined;
  /** Looks, changes nothing: customer users of role marketplace-user, and console viewers. */
  readOnly: boolean;
  /** Who to ask for the values a customer cannot set ("ask {organizationName} to finish"). */
  organizationName: string;
  /** Lists that change when the instance deploys (besides the wizard's own), invalidated after a deploy. */
  deployInvalidates?: readonly QueryKey[];
  /** The wizard arrived (once). */
  onOpened?(wizard: Wizard): void;
  /** A page was opened (and on first arrival, the first page). */
  onPageLoaded?(wizard: Wizard, page: WizardPage, draft: Draft): void;
  onDeployed?(wizard: Wizard): void;
  /** Left with Cancel (`onClosed` follows). */
  onCanceled?(wizard: Wizard): void;
  /** Left however it was left: cancel, after deploying, or by navigating away (once). */
  onClosed?(wizard: Wizard): void;
  /** Values pushed from outside join the draft and are saved with their page; answers an unsubscribe. */
  subscribeValues?(listener: (values: PushedValues) => void): () => void;
}

export const WizardHostContext = createContext<WizardHost | undefined>(undefined);

export function useWizardHost(): WizardHost {
  const host = useContext(WizardHostContext);
  if (!host) throw new Error('useWizardHost outside a WizardHostContext');
  return host;
}
