import type { Command } from 'commander';
import { buildCodeNativeBundle } from '../../code-native-build.js';
import { registerBundleCommand } from '../bundle-command.js';

/** `weft integrations:build`: bundles a code-native project (no server needed). */
export function registerIntegrationBuildCommand(program: Command): void {
  registerBundleCommand(program, {
    name: 'integrations:build',
    description:
      'Bundle a code-native integration project into one file to import (default dist/integration.cjs)',
    defaultOut: '<dir>/dist/integration.cjs',
    announce: (dir) => `Bundling the code-native integration in ${dir}…`,
    build: buildCodeNativeBundle,
    next: 'import it with `weft integrations:import`',
  });
}
