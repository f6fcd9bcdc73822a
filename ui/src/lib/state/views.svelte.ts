// The saved views of the open project, each with its live count, and the one opened last (its
// filter and sort are the query's until another view, a collection or "All items" is opened).
import { listViews } from '../api';
import type { SavedView } from '../api/types/SavedView';

class ViewsStore {
  list = $state.raw<SavedView[]>([]);
  /** The view whose filter the gallery shows, if one was opened. */
  openId = $state<number | null>(null);

  byId(id: number | null): SavedView | null {
    return id === null ? null : (this.list.find((v) => v.id === id) ?? null);
  }

  get open(): SavedView | null {
    return this.byId(this.openId);
  }

  async refresh(projectId: number) {
    this.list = await listViews(projectId);
    if (this.openId !== null && !this.byId(this.openId)) this.openId = null;
  }

  clear() {
    this.list = [];
    this.openId = null;
  }
}

export const views = new ViewsStore();
