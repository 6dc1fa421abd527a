import { Route, Switch } from 'wouter';
import { NotFound } from '../../ui/page.js';
import { LogsScreen } from './logs-screen.js';

/** The logs section's screens (paths relative to /logs). */
export default function LogsRoutes() {
  return (
    <Switch>
      <Route path="/" component={LogsScreen} />
      <Route component={NotFound} />
    </Switch>
  );
}
