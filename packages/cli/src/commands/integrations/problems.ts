/** Definition problems a refusal lists (an import, a publish), printed as `FILE:LINE:COL: message` lines. */
import type { ApiSchema } from '@weft/client';
import type { DefinitionProblem } from '@weft/definition';
import { reportingProblems } from '../../api.js';
import { counted } from '../../output.js';

/** Where a definition's problems are: the file to name in each line (or the fallback), and in the summary. */
export interface ProblemSource {
  file?: string;
  fallback: string;
  label: string;
}

/**
 * Prints each definition problem as `FILE:LINE:COL: message` on stderr. `file` (the user's path as they typed it)
 * replaces the file the server names; `fallback` is used only when the problem names none.
 */
export async function printProblems(
  problems: ApiSchema<'DefinitionProblem'>[],
  where: ProblemSource,
): Promise<void> {
  if (problems.length === 0) return;
  // Loaded only here: most commands never print a problem, and the definition package is not small.
  const { formatProblem } = await import('@weft/definition');
  for (const problem of problems) {
    const located = where.file === undefined ? problem : { ...problem, file: where.file };
    // The API's problem codes are strings; @weft/definition's, its own code names.
    process.stderr.write(`${formatProblem(located as DefinitionProblem, where.fallback)}\n`);
  }
}

/**
 * The answer of `call`; a refusal that carries definition problems prints them, then fails with a one-line summary
 * (exit 1): the server's own message repeats the first problem, which is already on screen.
 */
export function withProblemsReported<T>(
  call: Promise<T>,
  where: ProblemSource & { outcome: string },
): Promise<T> {
  return reportingProblems(call, async (listed) => {
    const problems = listed as ApiSchema<'DefinitionProblem'>[];
    await printProblems(problems, where);
    const count = problems.filter((problem) => problem.severity !== 'warning').length;
    return `${counted(count, 'problem')} in ${where.label}; ${where.outcome}.`;
  });
}
