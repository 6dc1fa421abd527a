import { Route, Switch } from 'wouter';
import { PageHeader } from '../../ui/page.js';

/** The executions section's screens (paths relative to /executions). */
export default function ExecutionsRoutes() {
  return (
    <Switch>
      <Route path="/">
        <PageHeader title="Executions" description="This screen is being built." />
      </Route>
    </Switch>
  );
}
