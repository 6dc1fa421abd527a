import type { Migration } from 'kysely';
import * as m0001 from './0001-organizations-tokens-customers.js';
import * as m0002 from './0002-integrations.js';
import * as m0003 from './0003-integration-list-indexes.js';
import * as m0004 from './0004-instances.js';
import * as m0005 from './0005-executions.js';
import * as m0006 from './0006-deploy-triggers.js';
import * as m0007 from './0007-connections.js';
import * as m0008 from './0008-custom-components.js';
import * as m0009 from './0009-shared-webhooks.js';
import * as m0010 from './0010-trigger-responses.js';
import * as m0011 from './0011-webhook-dedupe.js';
import * as m0012 from './0012-retry-cancellation.js';
import * as m0013 from './0013-execution-files.js';
import * as m0014 from './0014-webhook-registrations.js';
import * as m0015 from './0015-test-run-state.js';
import * as m0016 from './0016-test-state-flag.js';
import * as m0017 from './0017-people.js';
import * as m0018 from './0018-embedding.js';
import * as m0019 from './0019-published-by-user.js';
import * as m0020 from './0020-monitoring.js';

/**
 * The schema's history, oldest first. Append only: a shipped migration is never edited or renumbered (a process
 * refuses to start against a database that ran a migration it does not know).
 */
export const migrations: Record<string, Migration> = {
  '0001-organizations-tokens-customers': m0001,
  '0002-integrations': m0002,
  '0003-integration-list-indexes': m0003,
  '0004-instances': m0004,
  '0005-executions': m0005,
  '0006-deploy-triggers': m0006,
  '0007-connections': m0007,
  '0008-custom-components': m0008,
  '0009-shared-webhooks': m0009,
  '0010-trigger-responses': m0010,
  '0011-webhook-dedupe': m0011,
  '0012-retry-cancellation': m0012,
  '0013-execution-files': m0013,
  '0014-webhook-registrations': m0014,
  '0015-test-run-state': m0015,
  '0016-test-state-flag': m0016,
  '0017-people': m0017,
  '0018-embedding': m0018,
  '0019-published-by-user': m0019,
  '0020-monitoring': m0020,
};
