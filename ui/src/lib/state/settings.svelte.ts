// User settings kept between runs: thumbnail size, last project, gallery view.
import { getSettings, setSettings } from '../api';
import type { GalleryView } from '../api/types/GalleryView';
import type { Settings } from '../api/types/Settings';

export const THUMB_MIN = 80;
export const THUMB_MAX = 320;

class SettingsStore {
  thumbSize = $state(160);
  lastProject = $state<number | null>(null);
  view = $state<GalleryView>('grid');
  private timer: ReturnType<typeof setTimeout> | undefined;

  async load() {
    const s = await getSettings();
    this.thumbSize = Math.min(THUMB_MAX, Math.max(THUMB_MIN, s.thumb_size || 160));
    this.lastProject = s.last_project;
    this.view = s.view ?? 'grid';
  }

  private snapshot(): Settings {
    return { thumb_size: Math.round(this.thumbSize), last_project: this.lastProject, view: this.view };
  }

  /** Saves soon (coalescing bursts such as dragging the size slider). */
  save(delay = 400) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      setSettings(this.snapshot()).catch((e) => console.warn('settings not saved', e));
    }, delay);
  }
}

export const settings = new SettingsStore();
