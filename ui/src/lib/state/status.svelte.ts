// The status line: the last action's message and the last error, in words.
import { ApiFailure } from '../api';

/** How long an action may take before the UI says it is working on it. */
export const SLOW_MS = 300;

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

  /**
   * Runs `work` and, once it has taken longer than `SLOW_MS`, shows `label` as long work in
   * progress (the status line's spinner): a bulk action on a million items takes seconds.
   * Failures are the caller's.
   */
  async during<T>(label: string, work: () => Promise<T>): Promise<T> {
    const timer = setTimeout(() => (this.busy = label), SLOW_MS);
    try {
      return await work();
    } finally {
      clearTimeout(timer);
      if (this.busy === label) this.busy = null;
    }
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
