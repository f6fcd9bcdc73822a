import { afterEach, describe, expect, it, vi } from 'vitest';
import { SLOW_MS, status } from './status.svelte';

describe('status.during', () => {
  afterEach(() => vi.useRealTimers());

  it('says nothing for quick work and shows slow work until it ends', async () => {
    vi.useFakeTimers();
    await status.during('Quick…', async () => 1);
    expect(status.busy).toBeNull();

    let finish!: (v: number) => void;
    const slow = status.during('Adding to Night…', () => new Promise<number>((r) => (finish = r)));
    vi.advanceTimersByTime(SLOW_MS - 1);
    expect(status.busy).toBeNull();
    vi.advanceTimersByTime(1);
    expect(status.busy).toBe('Adding to Night…');
    finish(7);
    await expect(slow).resolves.toBe(7);
    expect(status.busy).toBeNull();
  });

  it('leaves a failure to the caller and clears the label', async () => {
    vi.useFakeTimers();
    const failing = status.during('Tagging…', async () => {
      vi.advanceTimersByTime(SLOW_MS);
      throw new Error('the server is away');
    });
    await expect(failing).rejects.toThrow('the server is away');
    expect(status.busy).toBeNull();
    expect(status.error).toBeNull();
  });
});
