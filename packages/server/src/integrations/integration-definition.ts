import {
  DEFINITION_VERSION,
  type DefinitionProblem,
  exportIntegrationYaml,
  formatProblem,
  type Integration,
  parseIntegrationYaml,
} from '@weft/definition';
import { WeftError } from '../errors.js';
import { componentCatalog, type ExtraComponents } from './component-catalog.js';

/**
 * How long an integration's metadata may be, wherever it comes from: the JSON routes check these in their schemas,
 * an imported definition in `parseDefinition`.
 */
export const metadataLimits = {
  nameLength: 200,
  descriptionLength: 5000,
  categoryLength: 200,
  labelLength: 64,
  labelCount: 50,
  documentationLength: 200_000,
} as const;

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
  return cleanMetadata({
    name: definition.name,
    description: definition.description ?? '',
    category: definition.category ?? null,
    labels: definition.labels ?? [],
    documentation: definition.documentation ?? null,
  });
}

/** Name and category trimmed (a blank category is none), labels cleaned; what every write stores. */
export function cleanMetadata<T extends Partial<IntegrationMetadata>>(metadata: T): T {
  const cleaned = { ...metadata };
  if (cleaned.name !== undefined) cleaned.name = cleaned.name.trim();
  if (cleaned.category !== undefined && cleaned.category !== null) {
    cleaned.category = cleaned.category.trim() || null;
  }
  if (cleaned.labels !== undefined) cleaned.labels = cleanLabels(cleaned.labels);
  return cleaned;
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

/** The 1-based line of a top-level key of a block-style YAML document (1 when it is not found there). */
function lineOfTopLevelKey(text: string, key: string): number {
  const match = new RegExp(`^${key}[ \\t]*:`, 'm').exec(text);
  return match ? text.slice(0, match.index).split('\n').length : 1;
}

/**
 * The checks the definition format leaves to the server: an imported definition's metadata must fit the same
 * limits as metadata sent to the JSON routes (a blank or 5000-character name would otherwise be stored as is).
 */
function metadataProblems(definition: Integration, text: string, fileName: string): DefinitionProblem[] {
  const metadata = metadataOf(definition);
  const problems: DefinitionProblem[] = [];
  const report = (field: string, code: DefinitionProblem['code'], message: string) =>
    problems.push({
      code,
      severity: 'error',
      message,
      file: fileName,
      line: lineOfTopLevelKey(text, field),
      column: 1,
      path: field,
    });
  const tooLong = (field: string, length: number, limit: number) => {
    if (length > limit) {
      report(
        field,
        'VALUE_NOT_ALLOWED',
        `${field} is ${length} characters long; at most ${limit} are allowed`,
      );
    }
  };
  if (metadata.name === '') {
    report('name', 'FIELD_REQUIRED', "name is blank; give the integration a name, as name: 'Acme ERP Sync'");
  }
  tooLong('name', metadata.name.length, metadataLimits.nameLength);
  tooLong('description', metadata.description.length, metadataLimits.descriptionLength);
  tooLong('category', metadata.category?.length ?? 0, metadataLimits.categoryLength);
  tooLong('documentation', metadata.documentation?.length ?? 0, metadataLimits.documentationLength);
  if (metadata.labels.length > metadataLimits.labelCount) {
    report(
      'labels',
      'VALUE_NOT_ALLOWED',
      `labels has ${metadata.labels.length} labels; at most ${metadataLimits.labelCount} are allowed`,
    );
  }
  const longLabel = metadata.labels.find((label) => label.length > metadataLimits.labelLength);
  if (longLabel !== undefined) {
    report(
      'labels',
      'VALUE_NOT_ALLOWED',
      `the label '${longLabel.slice(0, 40)}...' is ${longLabel.length} characters long; at most ${metadataLimits.labelLength} are allowed`,
    );
  }
  return problems;
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
  options: { fileName: string; generated?: ExtraComponents; previous?: Integration },
): ParsedDefinition {
  const result = parseIntegrationYaml(text, {
    fileName: options.fileName,
    catalog: componentCatalog(options.generated),
    ...(options.previous ? { previous: options.previous } : {}),
  });
  if (!result.ok) throw invalidDefinition(result.problems, 'The definition');
  const problems = metadataProblems(result.integration, text, options.fileName);
  if (problems.length > 0) throw invalidDefinition([...problems, ...result.warnings], 'The definition');
  return { integration: result.integration, warnings: result.warnings };
}

/**
 * The draft as it will be published: exported and parsed again against today's catalog, so a component or action
 * that disappeared since the import is caught now rather than when an instance runs.
 */
export function validateDraftForPublish(draft: Integration, generated: ExtraComponents): Integration {
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
