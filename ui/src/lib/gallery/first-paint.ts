// The automation contract's start mark: `performance.mark('trove:first-thumbnails')`, set once
// per app run when the first page's thumbnails in view have loaded and been decoded (a hub
// project's cards have none: when they are in the DOM), at the next frame after that.
let marked = false;

export async function markFirstThumbnails(root: HTMLElement): Promise<void> {
  if (marked) return;
  marked = true;
  const imgs = [...root.querySelectorAll<HTMLImageElement>('img')];
  await Promise.all(imgs.map((img) => img.decode().catch(() => undefined)));
  requestAnimationFrame(() => performance.mark('trove:first-thumbnails'));
}
