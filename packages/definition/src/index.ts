export * from './catalog.js';
export * from './conditions.js';
export { formatProblem } from './format-problem.js';
export * from './model.js';
export * from './problems.js';
export { cronProblem, isValidTimeZone } from './schedule-checks.js';
export { stepKey } from './step-key.js';
export { exportIntegrationYaml, toDefinitionDocument } from './yaml/export-integration.js';
export { type ParseOptions, type ParseResult, parseIntegrationYaml } from './yaml/parse-integration.js';
