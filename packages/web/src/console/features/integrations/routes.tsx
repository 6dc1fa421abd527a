import { Route, Switch } from 'wouter';
import { PageHeader } from '../../ui/page.js';

/** The integrations section's screens (paths relative to /integrations). */
export default function IntegrationsRoutes() {
  return (
    <Switch>
      <Route path="/">
        <PageHeader title="Integrations" description="This screen is being built." />
      </Route>
    </Switch>
  );
}
