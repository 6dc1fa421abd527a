/**
 * Races work against an abort signal: rejects with the signal's reason as soon as it aborts, whether or not the
 * work heeds the signal. The execution uses it so that a step that ignores the signal cannot outlive the limit.
 */
export function abortable<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) {
    // The work started anyway; its own failure no longer matters, and left unhandled it would crash the process.
    work.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (reason) => {
        signal.removeEventListener('abort', onAbort);
        reject(reason);
      },
    );
  });
}
