// The collections of the open project, with their item counts. Which one is open is part of
// the query (`query.collectionId`).
import { listCollections } from '../api';
import type { Collection } from '../api/types/Collection';

class CollectionsStore {
  list = $state.raw<Collection[]>([]);

  byId(id: number | null): Collection | null {
    return id === null ? null : (this.list.find((c) => c.id === id) ?? null);
  }

  async refresh(projectId: number) {
    this.list = await listCollections(projectId);
  }

  title(id: number): string {
    return this.list.find((c) => c.id === id)?.title ?? `collection ${id}`;
  }

  clear() {
    this.list = [];
  }
}

export const collections = new CollectionsStore();
