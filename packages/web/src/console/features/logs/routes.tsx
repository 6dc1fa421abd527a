import { Route, Switch } from 'wouter';
import { PageHeader } from '../../ui/page.js';

/** The logs section's screens (paths relative to /logs). */
export default function LogsRoutes() {
  return (
    <Switch>
      <Route path="/">
        <PageHeader title="Logs" description="This screen is being built." />
      </Route>
    </Switch>
  );
}
