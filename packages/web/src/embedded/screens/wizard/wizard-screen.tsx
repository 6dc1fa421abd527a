import { useMemo } from 'react';
import { Link, useLocation } from 'wouter';
import { ConfigWizard } from '../../../shared/wizard/wizard.js';
import { configVarsSummary, pageContent, type Wizard } from '../../../shared/wizard/wizard-data.js';
import { type WizardHost, WizardHostContext } from '../../../shared/wizard/wizard-host.js';
import { useEmbeddedApp } from '../../embedded-app-context.js';
import { instanceEventData, marketplaceKeys } from '../../marketplace-data.js';

/**
 * The config wizard in the embedded marketplace (`shared/wizard`): the customer user's session, the host's
 * screen options, and the wizard's moments told to the host as Prismatic's `INSTANCE_CONFIGURATION_*` events.
 */
export function WizardScreen({ instanceId }: { instanceId: string }) {
  const app = useEmbeddedApp();
  const { t, session, emit, identity, readOnly, init } = app;
  const [, navigate] = useLocation();

  const host = useMemo<WizardHost>(() => {
    const eventData = (wizard: Wizard) =>
      instanceEventData(identity, wizard.instance.integration, wizard.instance, readOnly);
    return {
      api: app.api,
      t,
      locale: app.locale,
      readOnly,
      organizationName: identity.organization.name,
      deployInvalidates: [marketplaceKeys.all],
      // setConfigVars is best sent after LOADED.
      onOpened: (wizard) => {
        emit('INSTANCE_CONFIGURATION_OPENED', eventData(wizard));
        emit('INSTANCE_CONFIGURATION_LOADED', {
          ...eventData(wizard),
          configVars: configVarsSummary(wizard),
        });
      },
      onPageLoaded: (wizard, page, draft) =>
        emit('INSTANCE_CONFIGURATION_PAGE_LOADED', {
          ...eventData(wizard),
          configVars: configVarsSummary(wizard),
          pageName: page.name,
          pageContent: pageContent(page, draft),
        }),
      onDeployed: (wizard) => emit('INSTANCE_DEPLOYED', eventData(wizard)),
      onCanceled: (wizard) => emit('INSTANCE_CONFIGURATION_CANCELED', eventData(wizard)),
      onClosed: (wizard) => emit('INSTANCE_CONFIGURATION_CLOSED', eventData(wizard)),
      subscribeValues: (listener) => session.onConfigVars(listener),
    };
  }, [app.api, app.locale, t, readOnly, identity, emit, session]);

  const screen = init.screenConfiguration?.configureInstance ?? {};
  const inPopover = init.inPopover;
  return (
    <WizardHostContext.Provider value={host}>
      <ConfigWizard
        instanceId={instanceId}
        as="main"
        back={(wizard) =>
          !screen.hideBackToMarketplace &&
          !inPopover && (
            <Link href={`/marketplace/${wizard.instance.integration.id}`} className="button link back">
              ← {t('detail.backToMarketplace')}
            </Link>
          )
        }
        onLeave={(wizard) => {
          if (inPopover) session.close();
          else navigate(`/marketplace/${wizard.instance.integration.id}`);
        }}
        deployed={(wizard, leave) => (
          <main className="page stack">
            <div className="notice success" role="status">
              {t('configurationWizardDialog.deployedText', { name: wizard.instance.name })}
            </div>
            <div className="row">
              <button type="button" className="button primary" onClick={leave}>
                {inPopover ? t('common.close') : t('detail.backToMarketplace')}
              </button>
              <Link href={`/dashboard?instance=${wizard.instance.id}`} className="button">
                {t('activateIntegrationDialog.activityButton')}
              </Link>
            </div>
          </main>
        )}
      />
    </WizardHostContext.Provider>
  );
}
