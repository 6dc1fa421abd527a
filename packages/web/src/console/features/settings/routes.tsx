import { Route, Switch } from 'wouter';
import { PageHeader } from '../../ui/page.js';

/** The settings section's screens (paths relative to /settings). */
export default function SettingsRoutes() {
  return (
    <Switch>
      <Route path="/">
        <PageHeader title="Settings" description="This screen is being built." />
      </Route>
    </Switch>
  );
}
