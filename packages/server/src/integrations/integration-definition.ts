import {
  type CatalogComponent,
  DEFINITION_VERSION,
  type DefinitionProblem,
  exportIntegrationYaml,
  formatProblem,
  type Integration,
  parseIntegrationYaml,
} from '@weft/definition';
import { WeftError } from '../errors.js';
import { componentCatalog } from './component-catalog.js';

/** The metadata an integration shares with its draft definition; the integration's columns mirror these. */
export interface IntegrationMetadata {
  name: string;
  description: string;
  category: string | null;
  labels: string[];
  documentation: string | null;
}

/** The draft of a new integration: its metadata and nothing else (no flows, config variables or pages). */
export function emptyDraft(metadata: IntegrationMetadata): Integration {
  return withMetadata(
    {
      definitionVersion: DEFINITION_VERSION,
      name: metadata.name,
      description: metadata.description,
      labels: [],
      isCodeNative: false,
      endpointType: 'flow_specific',
      configVars: [],
      configPages: [],
      flows: [],
    },
    metadata,
  );
}

/** The draft with its metadata replaced; optional fields set to null are removed. */
export function withMetadata(draft: Integration, metadata: Partial<IntegrationMetadata>): Integration {
  const next: Integration = { ...draft };
  if (metadata.name !== undefined) next.name = metadata.name;
  if (metadata.description !== undefined) next.description = metadata.description;
  if (metadata.labels !== undefined) next.labels = metadata.labels;
  if (metadata.category !== undefined) {
    if (metadata.category === null) delete next.category;
    else next.category = metadata.category;
  }
  if (metadata.documentation !== undefined) {
    if (metadata.documentation === null) delete next.documentation;
    else next.documentation = metadata.documentation;
  }
  return next;
}

export function metadataOf(definition: Integration): IntegrationMetadata {
  return {
    name: definition.name.trim(),
    description: definition.description ?? '',
    category: definition.category ?? null,
    labels: cleanLabels(definition.labels ?? []),
    documentation: definition.documentation ?? null,
  };
}

/** Labels are compared without case when filtering, but kept as written: trimmed, blanks and repeats dropped. */
export function cleanLabels(labels: string[]): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const label of labels.map((l) => l.trim())) {
    if (!label || seen.has(label.toLowerCase())) continue;
    seen.add(label.toLowerCase());
    kept.push(label);
  }
  return kept;
}

function invalidDefinition(problems: DefinitionProblem[], what: string): WeftError {
  const errors = problems.filter((problem) => problem.severity === 'error');
  const listed = errors.length > 0 ? errors : problems;
  const first = listed[0];
  return new WeftError(
    'DEFINITION_INVALID',
    `${what} has ${listed.length} problem${listed.length === 1 ? '' : 's'}${first ? `; the first: ${formatProblem(first)}.` : '.'}`,
    { problems },
  );
}

export interface ParsedDefinition {
  integration: Integration;
  warnings: DefinitionProblem[];
}

/**
 * Parses and validates a YAML definition against the component catalog (plus a code-native integration's own
 * component). `previous` is the draft being replaced: its flows and config variables lend their stable keys.
 */
export function parseDefinition(
  text: string,
  options: { fileName: string; generated?: CatalogComponent | null; previous?: Integration },
): ParsedDefinition {
  const result = parseIntegrationYaml(text, {
    fileName: options.fileName,
    catalog: componentCatalog(options.generated),
    ...(options.previous ? { previous: options.previous } : {}),
  });
  if (!result.ok) throw invalidDefinition(result.problems, 'The definition');
  return { integration: result.integration, warnings: result.warnings };
}

/**
 * The draft as it will be published: exported and parsed again against today's catalog, so a component or action
 * that disappeared since the import is caught now rather than when an instance runs.
 */
export function validateDraftForPublish(draft: Integration, generated: CatalogComponent | null): Integration {
  if (draft.flows.length === 0) {
    throw new WeftError(
      'INTEGRATION_HAS_NO_FLOWS',
      `The draft of '${draft.name}' has no flows, so there is nothing to publish.`,
    );
  }
  const result = parseIntegrationYaml(exportIntegrationYaml(draft), {
    fileName: 'draft.yaml',
    catalog: componentCatalog(generated),
    previous: draft,
  });
  if (!result.ok) throw invalidDefinition(result.problems, 'The draft');
  return result.integration;
}
