// Undo and redo for the dev mock: each collection action keeps a snapshot of the mock's state
// from before it; an undo restores it (keeping the state after it for a redo). Coarser than the
// backend's inverse actions, which is enough to try the toast and the keys in a browser.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Entry = { project: number; label: string; before: unknown; after?: unknown };

export function undoMock(save: () => unknown, restore: (s: unknown) => void) {
  const done: Entry[] = [];
  const undone: Entry[] = [];
  const last = (s: Entry[], p: number) => {
    for (let i = s.length - 1; i >= 0; i--) if (s[i].project === p) return i;
    return -1;
  };
  const state = (p: number) => ({ undo: done[last(done, p)]?.label ?? null, redo: undone[last(undone, p)]?.label ?? null });
  return {
    /** Runs `work`; when `label` names what it did, it becomes the project's last action. */
    record(project: number, work: () => any, label: (out: any) => string | null) {
      const before = save();
      const out = work();
      const l = label(out);
      if (l) {
        for (let i = undone.length - 1; i >= 0; i--) if (undone[i].project === project) undone.splice(i, 1);
        done.push({ project, label: l, before });
        if (done.length > 50) done.shift();
      }
      return out;
    },
    commands: {
      undo: (a: any) => {
        const i = last(done, a.projectId);
        if (i < 0) return null;
        const [e] = done.splice(i, 1);
        e.after = save();
        restore(e.before);
        undone.push(e);
        return { action: e.label, state: state(a.projectId) };
      },
      redo: (a: any) => {
        const i = last(undone, a.projectId);
        if (i < 0) return null;
        const [e] = undone.splice(i, 1);
        restore(e.after);
        done.push(e);
        return { action: e.label, state: state(a.projectId) };
      },
      undo_state: (a: any) => state(a.projectId),
    } as Record<string, (a: any) => any>,
  };
}
