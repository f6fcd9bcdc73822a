// A scroll container over content laid out in virtual pixels (see `logic/virtual.ts`): tracks
// scroll position and size, and converts between virtual, spacer and client coordinates.
import { scrollMap } from '../logic/virtual';

export class Viewport {
  el: HTMLElement | null = null;
  scrollTop = $state(0);
  height = $state(0);
  width = $state(0);
  contentHeight = $state(0);

  map = $derived(scrollMap(this.contentHeight, this.height));
  /** Virtual y at the top of the viewport. */
  top = $derived(this.map.toVirtual(this.scrollTop));

  /** Position inside the spacer of something at virtual y. */
  pos(y: number): number {
    return this.map.ratio === 1 ? y : this.scrollTop + (y - this.top);
  }

  attach(el: HTMLElement): () => void {
    this.el = el;
    const measure = () => {
      this.height = el.clientHeight;
      this.width = el.clientWidth;
    };
    const onScroll = () => {
      this.scrollTop = el.scrollTop;
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      ro.disconnect();
      el.removeEventListener('scroll', onScroll);
      this.el = null;
    };
  }

  /** Virtual coordinates of a client point. */
  toVirtual(clientX: number, clientY: number): { x: number; y: number } {
    const r = this.el?.getBoundingClientRect();
    return { x: clientX - (r?.left ?? 0), y: this.top + clientY - (r?.top ?? 0) };
  }

  /** Client y of a virtual y. */
  toClientY(y: number): number {
    const r = this.el?.getBoundingClientRect();
    return (r?.top ?? 0) + (y - this.top);
  }

  scrollToVirtual(v: number) {
    if (!this.el) return;
    this.el.scrollTop = this.map.toScroll(v);
    this.scrollTop = this.el.scrollTop;
  }

  scrollBy(dy: number) {
    if (!this.el) return;
    this.el.scrollTop += dy;
    this.scrollTop = this.el.scrollTop;
  }

  reset() {
    if (this.el) this.el.scrollTop = 0;
    this.scrollTop = 0;
  }
}
