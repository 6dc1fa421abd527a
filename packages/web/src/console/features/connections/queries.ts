import { useQuery } from '@tanstack/react-query';
import { type ApiSchema, answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { connectionKeys } from './keys.js';

export type Connection = ApiSchema<'Connection'>;
export type ConnectionKind = Connection['kind'];
export type Credentials = ApiSchema<'ConnectionCredentials'>;
export type ConnectionType = ApiSchema<'ConnectionType'>;
export type ConnectionInput = ConnectionType['inputs'][number];
export type CustomerConnection = ApiSchema<'CustomerConnection'>;
export type CustomerConnectionState = ApiSchema<'CustomerConnectionState'>;
export type TestResult = ApiSchema<'ConnectionTestResult'>;

/** The organization's connections (one answer: an organization defines a handful, not thousands). */
export function useConnections() {
  const { api } = useConsole();
  return useQuery({
    queryKey: connectionKeys.list(),
    queryFn: async ({ signal }) => (await answerOf(api.GET('/api/connections', { signal }))).items,
  });
}

export function useConnection(id: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: connectionKeys.detail(id),
    queryFn: ({ signal }) => answerOf(api.GET('/api/connections/{id}', { params: { path: { id } }, signal })),
  });
}

/** The connection types a connection can be created with; they change only with Weft itself. */
export function useConnectionTypes() {
  const { api } = useConsole();
  return useQuery({
    queryKey: connectionKeys.types(),
    queryFn: async ({ signal }) => (await answerOf(api.GET('/api/connection-types', { signal }))).items,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useConnectionCustomers(id: string, enabled: boolean) {
  const { api } = useConsole();
  return useQuery({
    queryKey: connectionKeys.customers(id),
    enabled,
    queryFn: async ({ signal }) =>
      (await answerOf(api.GET('/api/connections/{id}/customers', { params: { path: { id } }, signal })))
        .items,
  });
}

export function useConnectionUsage(id: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: connectionKeys.usage(id),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/connections/{id}/usage', { params: { path: { id } }, signal })),
  });
}

/** Every per-customer connection with this customer's credentials (null where it has none yet). */
export function useCustomerConnections(customerId: string | undefined) {
  const { api } = useConsole();
  return useQuery({
    queryKey: connectionKeys.forCustomer(customerId ?? ''),
    enabled: !!customerId,
    queryFn: async ({ signal }) =>
      (
        await answerOf(
          api.GET('/api/customers/{customer}/connections', {
            params: { path: { customer: customerId ?? '' } },
            signal,
          }),
        )
      ).items,
  });
}

export function typeOf(
  types: ConnectionType[] | undefined,
  connection: Pick<Connection, 'component' | 'connection'>,
) {
  return types?.find(
    (type) => type.component === connection.component && type.connection === connection.connection,
  );
}
