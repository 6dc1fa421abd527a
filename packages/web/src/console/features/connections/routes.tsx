import { Route, Switch } from 'wouter';
import { PageHeader } from '../../ui/page.js';

/** The connections section's screens (paths relative to /connections). */
export default function ConnectionsRoutes() {
  return (
    <Switch>
      <Route path="/">
        <PageHeader title="Connections" description="This screen is being built." />
      </Route>
    </Switch>
  );
}
