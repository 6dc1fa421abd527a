import { Route, Switch } from 'wouter';
import { PageHeader } from '../../ui/page.js';

/** The customers section's screens (paths relative to /customers). */
export default function CustomersRoutes() {
  return (
    <Switch>
      <Route path="/">
        <PageHeader title="Customers" description="This screen is being built." />
      </Route>
    </Switch>
  );
}
