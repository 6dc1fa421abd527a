import { useMemo } from 'react';
import { Link, useLocation } from 'wouter';
import { phrases } from '../../../embedded/phrases.js';
import { createTranslator } from '../../../shared/i18n.js';
import { ConfigWizard } from '../../../shared/wizard/wizard.js';
import { type WizardHost, WizardHostContext } from '../../../shared/wizard/wizard-host.js';
import { useConsole } from '../../console-context.js';
import { useToast } from '../../ui/toast.js';
import { instanceKeys } from './keys.js';
import './instances.css';

/** The console speaks to the organization's team: a few of the marketplace's customer-facing phrases differ. */
const consolePhrases = {
  ...phrases,
  'configurationWizardDialog.readOnlyText': 'Your role can look at this configuration but not change it.',
  'configurationWizardDialog.finishButton': 'Save and deploy',
};

/**
 * `/instances/:id/configure`: the marketplace's config wizard, as the organization's team sees it. The server
 * answers the wizard by caller: the team sees the org-only variables customers never do.
 */
export function InstanceConfigure({ id }: { id: string }) {
  const { api, can, session } = useConsole();
  const [, navigate] = useLocation();
  const toast = useToast();
  const readOnly = !can('instances:configure');
  const host = useMemo<WizardHost>(
    () => ({
      api,
      t: createTranslator(consolePhrases),
      locale: undefined,
      readOnly,
      organizationName: session.organization.name,
      deployInvalidates: [instanceKeys.detail(id), instanceKeys.lists()],
      onOpened: (wizard) => {
        document.title = `Configure ${wizard.instance.name} · Weft`;
      },
      onDeployed: (wizard) => {
        toast({ kind: 'success', message: `Deployed ${wizard.instance.name}` });
        navigate(`/${id}`);
      },
    }),
    [api, readOnly, session, id, toast, navigate],
  );
  return (
    <WizardHostContext.Provider value={host}>
      <ConfigWizard
        instanceId={id}
        back={(wizard) => (
          <Link href={`/${id}`} className="back">
            ← {wizard.instance.name} ({wizard.instance.customer.name})
          </Link>
        )}
        onLeave={() => navigate(`/${id}`)}
        deployed={() => null}
      />
    </WizardHostContext.Provider>
  );
}
