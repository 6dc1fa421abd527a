/**
 * @module @weft/cli
 * The `weft` command line. Run it as `npx weft --help`; see the package README.
 */
export { ApiClient, queryString } from './api-client.js';
export { CliError, reportError } from './cli-error.js';
