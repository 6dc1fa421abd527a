/**
 * Where an instance's flow state (Spectral's `context.instanceState`, which is per flow: a polling trigger keeps
 * its cursor there) is kept in `instance_state`: `flow:<flowStableKey>` for the live instance, and
 * `testFlow:<flowStableKey>` for test runs (and retries and replays of a test run).
 *
 * A test run is like a run of Prismatic's test instance: it has flow state of its own, kept from one test run to
 * the next (so consecutive test runs of a polling flow poll like the live one does), and never reads or advances
 * the live instance's. Cross-flow and integration state are shared with the live instance (a test run sees, for
 * example, the webhook ids a trigger's onInstanceDeploy stored at deploy).
 */
export function flowStateScope(flowStableKey: string, testRun = false): string {
  return `${testRun ? 'testFlow' : 'flow'}:${flowStableKey}`;
}
