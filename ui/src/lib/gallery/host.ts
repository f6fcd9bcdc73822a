// Binds a gallery view's interaction to the app's stores: selection, results, reorder.
import type { Geometry } from '../logic/geometry';
import { move } from '../state/actions';
import { query } from '../state/query.svelte';
import { results } from '../state/results.svelte';
import { selection } from '../state/selection.svelte';
import { status } from '../state/status.svelte';
import type { GalleryHost } from './interaction.svelte';
import type { Viewport } from './viewport.svelte';

export function storeHost(viewport: Viewport, geometry: () => Geometry): GalleryHost {
  const idAt = (i: number) => results.item(i)?.id;
  const withId = async (i: number, f: (id: number) => void) => {
    const id = idAt(i) ?? (await results.ids(i, i))[0];
    if (id !== undefined) f(id);
  };
  return {
    viewport,
    geometry,
    canReorder: () => query.canReorder,
    isSelected: (id) => selection.has(id),
    idAt,
    get focus() {
      return selection.focus;
    },
    setFocus: (i) => {
      selection.focus = i;
    },
    click: (i, mods) => withId(i, (id) => selection.click(i, id, mods)),
    toggle: (i) => withId(i, (id) => selection.toggle(i, id)),
    extendTo: (i) => selection.extendTo(i),
    selectAll: () => selection.selectAll(),
    clear: () => selection.clear(),
    commitBox: (span, geo, additive) => selection.box(span, geo, additive),
    move: async (from, to) => {
      try {
        await move(from, to);
      } catch (e) {
        status.fail(e);
      }
    },
  };
}
