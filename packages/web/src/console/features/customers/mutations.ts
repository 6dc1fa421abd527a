import { type QueryKey, useMutation, useQueryClient } from '@tanstack/react-query';
import { answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { useToast } from '../../ui/toast.js';
import { customerKeys } from './keys.js';
import type { Customer, CustomerRole, CustomerUser } from './queries.js';

/**
 * A change whose failure its own form or dialog shows (at the field, or above the buttons), so the global error
 * toast stays quiet; success awaits the invalidation of what it changed, then toasts.
 */
function useCustomerMutation<Variables, Answer>({
  run,
  invalidates,
  success,
}: {
  run: (variables: Variables) => Promise<Answer>;
  invalidates: (variables: Variables, answer: Answer) => QueryKey[];
  success: (variables: Variables, answer: Answer) => string;
}) {
  const queryClient = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: run,
    onSuccess: async (answer, variables) => {
      await Promise.all(
        invalidates(variables, answer).map((queryKey) => queryClient.invalidateQueries({ queryKey })),
      );
      toast({ kind: 'success', message: success(variables, answer) });
    },
    onError: () => {},
  });
}

export interface CustomerFields {
  name: string;
  externalId: string | null;
  description: string;
  labels: string[];
}

export function useCreateCustomer() {
  const { api } = useConsole();
  return useCustomerMutation({
    run: (body: CustomerFields) => answerOf(api.POST('/api/customers', { body })),
    invalidates: () => [customerKeys.all()],
    success: (_body, customer) => `Created customer ${customer.name}.`,
  });
}

export function useUpdateCustomer(id: string) {
  const { api } = useConsole();
  return useCustomerMutation({
    run: (body: Partial<CustomerFields>) =>
      answerOf(api.PATCH('/api/customers/{id}', { params: { path: { id } }, body })),
    invalidates: () => [customerKeys.detail(id), customerKeys.all()],
    success: (_body, customer) => `Saved customer ${customer.name}.`,
  });
}

export function useDeleteCustomer() {
  const { api } = useConsole();
  const queryClient = useQueryClient();
  return useCustomerMutation({
    run: (customer: Customer) =>
      answerOf(api.DELETE('/api/customers/{id}', { params: { path: { id: customer.id } } })),
    invalidates: (customer) => {
      // The customer is gone: drop its detail instead of refetching a 404.
      queryClient.removeQueries({ queryKey: customerKeys.detail(customer.id) });
      return [customerKeys.all(), ['instances'], ['connections']];
    },
    success: (customer) => `Deleted customer ${customer.name}.`,
  });
}

export interface CustomerUserFields {
  name: string;
  email?: string;
  externalId?: string;
  role: CustomerRole;
}

export function useAddCustomerUser(customerId: string) {
  const { api } = useConsole();
  return useCustomerMutation({
    run: (body: CustomerUserFields) =>
      answerOf(
        api.POST('/api/customers/{customer}/users', { params: { path: { customer: customerId } }, body }),
      ),
    invalidates: () => [customerKeys.users(customerId)],
    success: (_body, user) => `Added ${user.name || user.email || user.externalId} as ${user.role}.`,
  });
}

export function useChangeCustomerUserRole(customerId: string) {
  const { api } = useConsole();
  return useCustomerMutation({
    run: ({ user, role }: { user: CustomerUser; role: CustomerRole }) =>
      answerOf(api.PATCH('/api/customer-users/{id}', { params: { path: { id: user.id } }, body: { role } })),
    invalidates: () => [customerKeys.users(customerId)],
    success: (_variables, user) => `${user.name || user.email || user.externalId} is now ${user.role}.`,
  });
}

export function useRemoveCustomerUser(customerId: string) {
  const { api } = useConsole();
  return useCustomerMutation({
    run: (user: CustomerUser) =>
      answerOf(api.DELETE('/api/customer-users/{id}', { params: { path: { id: user.id } } })),
    invalidates: () => [customerKeys.users(customerId)],
    success: (user) => `Removed ${user.name || user.email || user.externalId}.`,
  });
}
