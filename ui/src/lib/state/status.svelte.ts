// The status line: the last action's message and the last error, in words.
import { ApiFailure } from '../api';

class StatusStore {
  message = $state('');
  error = $state<string | null>(null);
  /** Long work in progress (a bulk action); the status line shows it. */
  busy = $state<string | null>(null);

  info(message: string) {
    this.message = message;
  }

  fail(e: unknown) {
    this.error = e instanceof ApiFailure || e instanceof Error ? e.message : String(e);
    if (!(e instanceof ApiFailure)) console.warn(e);
  }

  dismiss() {
    this.error = null;
  }

  /** Runs `work` with a busy label; failures land in `error`. Returns undefined on failure. */
  async run<T>(label: string, work: () => Promise<T>): Promise<T | undefined> {
    this.busy = label;
    try {
      return await work();
    } catch (e) {
      this.fail(e);
      return undefined;
    } finally {
      if (this.busy === label) this.busy = null;
    }
  }
}

export const status = new StatusStore();
