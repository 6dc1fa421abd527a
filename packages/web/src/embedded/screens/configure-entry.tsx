import { useEffect, useRef, useState } from 'react';
import { useLocation } from 'wouter';
import { answerOf, messageOf } from '../../shared/api.js';
import { ErrorNotice, Loading } from '../../shared/ui.js';
import { useEmbeddedApp } from '../embedded-app-context.js';
import { useActivate } from '../marketplace-data.js';

/**
 * `configureInstance({instanceId | integrationName | integrationId})`: opens the instance's wizard, activating the
 * integration first when the customer has no instance of it yet (Prismatic's behaviour).
 */
export function ConfigureEntry() {
  const { api, t } = useEmbeddedApp();
  const [, navigate] = useLocation();
  const activate = useActivate();
  const [problem, setProblem] = useState<string>();
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const params = new URLSearchParams(window.location.search);
    const instanceId = params.get('instance');
    const integrationName = params.get('integration');
    const integrationId = params.get('integrationId');
    void (async () => {
      try {
        if (instanceId) return navigate(`/instances/${instanceId}/configure`, { replace: true });
        const list = await answerOf(
          api.GET('/api/marketplace', { params: { query: { includeActive: true } } }),
        );
        const item = list.items.find((candidate) =>
          integrationId ? candidate.id === integrationId : candidate.name === integrationName,
        );
        if (!item) {
          setProblem(
            `No integration named '${integrationName ?? integrationId ?? ''}' is in your marketplace.`,
          );
          return;
        }
        const existing = item.instances[0];
        if (existing) return navigate(`/instances/${existing.id}/configure`, { replace: true });
        const activation = await activate.mutateAsync(item.id);
        navigate(`/instances/${activation.instance.id}/configure`, { replace: true });
      } catch (error) {
        setProblem(messageOf(error));
      }
    })();
  }, [api, activate, navigate]);

  if (problem) {
    return (
      <main className="page">
        <ErrorNotice>{problem}</ErrorNotice>
      </main>
    );
  }
  return <Loading label={t('common.loading')} />;
}
