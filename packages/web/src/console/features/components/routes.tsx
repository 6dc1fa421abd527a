import { Route, Switch } from 'wouter';
import { PageHeader } from '../../ui/page.js';

/** The components section's screens (paths relative to /components). */
export default function ComponentsRoutes() {
  return (
    <Switch>
      <Route path="/">
        <PageHeader title="Components" description="This screen is being built." />
      </Route>
    </Switch>
  );
}
