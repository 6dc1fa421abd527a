/** The config wizard's data: the wizard as the API answers it, saving pages, data sources, OAuth and deploy. */

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ConfigVarSummary } from '@weft/embed/protocol';
import { type ApiSchema, answerOf } from '../api.js';
import { useWizardHost } from './wizard-host.js';

export type Wizard = ApiSchema<'ConfigWizard'>;
export type WizardPage = ApiSchema<'WizardPage'>;
export type WizardVariable = ApiSchema<'WizardVariable'>;
export type WizardConnection = ApiSchema<'WizardConnection'>;
/** Unsaved values of the open page, by variable name (a connection's: its inputs by key). */
export type Draft = Record<string, unknown>;

export const wizardKeys = {
  wizard: (instanceId: string) => ['wizard', instanceId] as const,
  dataSource: (instanceId: string, configVar: string, inputs: unknown) =>
    ['wizard', instanceId, 'data-source', configVar, inputs] as const,
};

export function useWizard(instanceId: string) {
  const { api } = useWizardHost();
  return useQuery({
    queryKey: wizardKeys.wizard(instanceId),
    queryFn: ({ signal }) =>
      answerOf(
        api.GET('/api/instances/{id}/config-wizard', { params: { path: { id: instanceId } }, signal }),
      ),
  });
}

export function useSavePage(instanceId: string) {
  const { api } = useWizardHost();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ page, values }: { page: number; values: Draft }) =>
      answerOf(
        api.PUT('/api/instances/{id}/config-wizard/pages/{page}', {
          params: { path: { id: instanceId, page: String(page) } },
          body: { values },
        }),
      ),
    onSuccess: (wizard) => queryClient.setQueryData(wizardKeys.wizard(instanceId), wizard),
  });
}

export function useDeploy(instanceId: string) {
  const { api, deployInvalidates = [] } = useWizardHost();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      answerOf(api.POST('/api/instances/{id}/deploy', { params: { path: { id: instanceId } } })),
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: wizardKeys.wizard(instanceId) }),
        ...deployInvalidates.map((queryKey) => queryClient.invalidateQueries({ queryKey })),
      ]);
    },
  });
}

/** Runs a variable's data source with the unsaved values of the variables it depends on laid over the saved ones. */
export function useDataSource(instanceId: string, variable: WizardVariable, inputs: Draft, enabled: boolean) {
  const { api } = useWizardHost();
  return useQuery({
    queryKey: wizardKeys.dataSource(instanceId, variable.key, inputs),
    enabled,
    staleTime: 60_000,
    retry: false,
    // While a dependency's new value runs the data source again, the choices it answered before stay in place
    // (the control is not swapped for a loading line on each keystroke).
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) =>
      answerOf(
        api.POST('/api/instances/{id}/config-wizard/data-sources/{configVar}', {
          params: { path: { id: instanceId, configVar: variable.key } },
          body: { values: inputs },
          signal,
        }),
      ),
  });
}

export function useAuthorize(instanceId: string) {
  const { api } = useWizardHost();
  return useMutation({
    mutationFn: (configVar: string) =>
      answerOf(
        api.POST('/api/instances/{id}/config-wizard/connections/{configVar}/authorize', {
          params: { path: { id: instanceId, configVar } },
          body: {},
        }),
      ),
  });
}

/** A stored secret the API withholds: `{configured: true}`. */
export function isWithheldSecret(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'configured' in value;
}

/** The variables as `INSTANCE_CONFIGURATION_LOADED` reports them to the host (Prismatic's shape, secrets withheld). */
export function configVarsSummary(wizard: Wizard): Record<string, ConfigVarSummary> {
  const summary: Record<string, ConfigVarSummary> = {};
  for (const page of wizard.pages) {
    for (const element of page.elements) {
      const variable = element.variable;
      if (!variable) continue;
      const connection = variable.connection as WizardConnection | null | undefined;
      summary[variable.key] = {
        dataType: variable.dataType,
        value: isWithheldSecret(variable.value) ? null : variable.value,
        collectionType: (variable.collectionType as ConfigVarSummary['collectionType']) ?? null,
        pickList: variable.pickList ?? null,
        codeLanguage: variable.codeLanguage ?? null,
        ...(connection
          ? {
              inputs: Object.fromEntries(
                connection.inputs
                  .filter((input) => input.visible)
                  .map((input) => [
                    input.key,
                    { value: input.type === 'password' ? '' : (input.value ?? '') },
                  ]),
              ),
              status:
                connection.status === 'connected'
                  ? ('ACTIVE' as const)
                  : connection.status === 'error'
                    ? ('ERROR' as const)
                    : ('PENDING' as const),
            }
          : {}),
      };
    }
  }
  return summary;
}

/** A page's values as they stand (saved, with the draft over them), for `INSTANCE_CONFIGURATION_PAGE_LOADED`. */
export function pageContent(page: WizardPage, draft: Draft): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  for (const element of page.elements) {
    const variable = element.variable;
    if (!variable || variable.dataType === 'connection') continue;
    const value = variable.key in draft ? draft[variable.key] : variable.value;
    content[variable.key] = isWithheldSecret(value) ? null : value;
  }
  return content;
}
