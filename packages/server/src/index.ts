/**
 * @module @weft/server
 * The Weft platform: REST API, webhook ingress, scheduler and workers over one PostgreSQL.
 *
 * @example
 * ```ts
 * import { createLogger, loadConfig, startWeft } from '@weft/server';
 * const config = loadConfig(process.env);
 * const weft = await startWeft(config, { log: createLogger(config.logLevel) });
 * console.log(weft.url);
 * await weft.stop();
 * ```
 */
export {
  bootstrapOrganization,
  createOrganization,
  recoverOwnerToken,
} from './auth/bootstrap-organization.js';
export { type OrgRole, orgRoles } from './auth/roles.js';
export { extractComponentBundle } from './components/code-native-bundle.js';
// Custom component code, sandboxed as the server runs it: also what `weft run --component` uses.
export { ComponentSandboxes, type SandboxBundle } from './components/component-sandboxes.js';
export { sandboxedComponent } from './components/sandboxed-component.js';
export {
  type ConfigFlags,
  defaultSandboxLimits,
  loadConfig,
  type SandboxLimits,
  type ServerRole,
  serverRoles,
  type WeftConfig,
} from './config.js';
export { connectDatabase, type DatabaseHandle } from './database/connection.js';
export { lockDataDir } from './database/data-dir-lock.js';
export { type EmbeddedPostgres, startEmbeddedPostgres } from './database/embedded-postgres.js';
export { migrateAll, migrateDatabase, pendingMigrations } from './database/migrate.js';
export { type ErrorCode, errorCatalog, isWeftError, WeftError } from './errors.js';
export { openApiDocument } from './http-app.js';
export { createLogger, type LogLevel, logLevels } from './logger.js';
export { weftVersion } from './version.js';
export { type StartOptions, startWeft, type WeftServer } from './weft-server.js';
