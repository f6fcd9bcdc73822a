// Running a refresh that may be asked for again while it runs.

/** Wraps `work` so that runs never overlap: a call during a run makes one more run after it
 * (however many calls came), so the last call always sees a run that started after it. The
 * returned promise settles when that run has finished; failures go to `onerror`. */
export function coalesce(work: () => Promise<void>, onerror: (e: unknown) => void): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await work();
        } catch (e) {
          onerror(e);
        }
      } while (again);
      running = null;
    })();
    return running;
  };
}
