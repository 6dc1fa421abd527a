import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { type ApiSchema, answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { type CustomerUserFilters, customerKeys } from './keys.js';

export type Customer = ApiSchema<'Customer'>;
export type CustomerUser = ApiSchema<'CustomerUser'>;
export type CustomerRole = CustomerUser['role'];
export type Instance = ApiSchema<'Instance'>;

const pageSize = 50;

/** The organization's customers, in pages as the list scrolls; search matches name, external id and description. */
export function useCustomers(search: string) {
  const { api } = useConsole();
  const term = search.trim();
  return useInfiniteQuery({
    queryKey: customerKeys.list(term),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ signal, pageParam }) =>
      answerOf(
        api.GET('/api/customers', {
          params: {
            query: {
              limit: pageSize,
              ...(term ? { search: term } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useCustomer(id: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: customerKeys.detail(id),
    queryFn: ({ signal }) => answerOf(api.GET('/api/customers/{id}', { params: { path: { id } }, signal })),
  });
}

export function useCustomerUsers(customerId: string, filters: CustomerUserFilters) {
  const { api } = useConsole();
  const term = filters.search.trim();
  return useInfiniteQuery({
    queryKey: customerKeys.userList(customerId, { search: term, role: filters.role }),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ signal, pageParam }) =>
      answerOf(
        api.GET('/api/customers/{customer}/users', {
          params: {
            path: { customer: customerId },
            query: {
              limit: pageSize,
              ...(term ? { search: term } : {}),
              ...(filters.role ? { role: filters.role as CustomerRole } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/** The customer's instances, in pages (a customer rarely has many, but nothing stops it). */
export function useCustomerInstances(customerId: string) {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: customerKeys.instances(customerId),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ signal, pageParam }) =>
      answerOf(
        api.GET('/api/instances', {
          params: {
            query: { customer: customerId, limit: pageSize, ...(pageParam ? { cursor: pageParam } : {}) },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}
