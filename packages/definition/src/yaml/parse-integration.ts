import type { ComponentCatalog } from '../catalog.js';
import type { Integration } from '../model.js';
import type { DefinitionProblem } from '../problems.js';

export interface ParseOptions {
  /** Named in every problem, so `FILE:LINE:COL: message` points at the user's file. */
  fileName?: string;
  /** Components that steps may use; without one, component, action and input checks are skipped. */
  catalog?: ComponentCatalog;
  /** The integration's current draft: flows and config variables matched by name (or renameAttributes) keep its stable keys. */
  previous?: Integration;
  /** Largest accepted text, in bytes (default 10 MiB). */
  maxBytes?: number;
}

export type ParseResult =
  | { ok: true; integration: Integration; warnings: DefinitionProblem[] }
  | { ok: false; problems: DefinitionProblem[] };

export function parseIntegrationYaml(_text: string, _options: ParseOptions = {}): ParseResult {
  throw new Error('parseIntegrationYaml: being written');
}
