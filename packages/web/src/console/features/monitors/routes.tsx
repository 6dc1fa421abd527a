import { Route, Switch } from 'wouter';
import { NotFound, PageHeader } from '../../ui/page.js';

/** The monitors section's screens (paths relative to /monitors). */
export default function MonitorsRoutes() {
  return (
    <Switch>
      <Route path="/">
        <PageHeader title="Monitors" />
      </Route>
      <Route component={NotFound} />
    </Switch>
  );
}
