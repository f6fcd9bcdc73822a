// The open project and its catalog: datasets and known tags.
import { listDatasets, listProjects, listTags } from '../api';
import type { Dataset } from '../api/types/Dataset';
import type { Project } from '../api/types/Project';

class ProjectStore {
  projects = $state.raw<Project[]>([]);
  id = $state<number | null>(null);
  datasets = $state.raw<Dataset[]>([]);
  tags = $state.raw<string[]>([]);
  /** True while a project is being opened (its first page is not there yet). */
  opening = $state(false);

  current = $derived(this.projects.find((p) => p.id === this.id) ?? null);
  isHub = $derived(this.current?.kind === 'hub');

  async loadProjects() {
    this.projects = await listProjects();
  }

  async loadCatalog() {
    const id = this.id;
    if (id === null) return;
    const [datasets, tags] = await Promise.all([listDatasets(id), listTags(id)]);
    if (id !== this.id) return;
    this.datasets = datasets;
    this.tags = tags;
  }

  async refreshTags() {
    if (this.id !== null) this.tags = await listTags(this.id);
  }

  datasetName(id: number): string {
    return this.datasets.find((d) => d.id === id)?.name ?? `dataset ${id}`;
  }

  /** The project id, for code that only runs with a project open. */
  get pid(): number {
    if (this.id === null) throw new Error('no project is open');
    return this.id;
  }
}

export const project = new ProjectStore();
