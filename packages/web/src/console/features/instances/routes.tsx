import { Route, Switch } from 'wouter';
import { PageHeader } from '../../ui/page.js';

/** The instances section's screens (paths relative to /instances). */
export default function InstancesRoutes() {
  return (
    <Switch>
      <Route path="/">
        <PageHeader title="Instances" description="This screen is being built." />
      </Route>
    </Switch>
  );
}
