import type { DefinitionProblem } from './problems.js';

/** `FILE:LINE:COL: message`, the form editors and CI logs turn into links. */
export function formatProblem(problem: DefinitionProblem, fallbackFile = '<definition>'): string {
  const prefix = problem.severity === 'warning' ? 'warning: ' : '';
  return `${problem.file ?? fallbackFile}:${problem.line}:${problem.column}: ${prefix}${problem.message}`;
}
