/**
 * @module @weft/cli
 * The `weft` command line. Run it as `npx weft --help`; see the package README.
 */
export { checkSettings, clientFor } from './api.js';
export { CliError, reportError } from './cli-error.js';
