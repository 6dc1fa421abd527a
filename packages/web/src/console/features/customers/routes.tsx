import { lazy } from 'react';
import { Route, Switch } from 'wouter';
import { NotFound } from '../../ui/page.js';
import CustomersList from './customers-list.js';

const CustomerPage = lazy(() => import('./customer-page.js'));

/** The customers section's screens (paths relative to /customers). */
export default function CustomersRoutes() {
  return (
    <Switch>
      <Route path="/" component={CustomersList} />
      <Route path="/:id">{(params) => <CustomerPage customerId={params.id} />}</Route>
      <Route component={NotFound} />
    </Switch>
  );
}
