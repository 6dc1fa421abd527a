/**
 * One execution, as the execution page shows it below its header: the step timeline, each step's result, logs,
 * errors and the retry/replay chain. Other screens embed it (an instance's test run shows its result with it).
 */
export function ExecutionDetail({ executionId }: { executionId: string }) {
  return <p className="muted">Execution {executionId}</p>;
}
