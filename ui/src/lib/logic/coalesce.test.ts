import { describe, expect, it } from 'vitest';
import { coalesce } from './coalesce';

function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

describe('coalesce', () => {
  it('runs once more after a run when called during it, however often', async () => {
    const gates = [gate(), gate()];
    let runs = 0;
    const run = coalesce(async () => {
      await gates[runs++].p;
    }, () => {});
    const first = run();
    const second = run();
    run();
    expect(runs).toBe(1);
    gates[0].open();
    await Promise.resolve();
    gates[1].open();
    await Promise.all([first, second]);
    expect(runs).toBe(2);
    await run();
    expect(runs).toBe(3);
  });

  it('reports a failure and keeps working', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const run = coalesce(async () => {
      if (n++ === 0) throw new Error('the disk is full');
    }, (e) => errors.push(e));
    await run();
    await run();
    expect(n).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['the disk is full']);
  });
});
