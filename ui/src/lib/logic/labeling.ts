// The labeling view's pure parts: what a key press means there, and the tags being edited on
// the item (a draft compared with the item's tags when it is submitted).

export type LabelAction = { type: 'toggle'; index: number } | { type: 'submit' } | { type: 'skip' };

export interface LabelKey {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export interface LabelKeyContext {
  /** A text field (input, textarea, select, contenteditable) has the focus. */
  typing: boolean;
  /** How many tag choices the view lists (number keys 1–9, then 0 for the tenth). */
  tagCount: number;
}

/**
 * Number keys toggle the listed tags, Ctrl+Enter submits (also from a text field), Enter
 * submits when no text field has the focus, → skips. Anything else is not the view's.
 */
export function labelKey(e: LabelKey, c: LabelKeyContext): LabelAction | null {
  const mod = e.ctrlKey || e.metaKey;
  if (e.key === 'Enter' && mod && !e.altKey && !e.shiftKey) return { type: 'submit' };
  if (c.typing || mod || e.altKey) return null;
  if (e.key === 'Enter' && !e.shiftKey) return { type: 'submit' };
  if (e.shiftKey) return null;
  if (e.key === 'ArrowRight') return { type: 'skip' };
  if (/^[0-9]$/.test(e.key)) {
    const index = e.key === '0' ? 9 : Number(e.key) - 1;
    return index < c.tagCount ? { type: 'toggle', index } : null;
  }
  return null;
}

/** Whether keys typed at `el` are text input rather than commands. */
export function isTextField(el: Element | null): boolean {
  if (!el) return false;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if ((el as HTMLElement).isContentEditable) return true;
  if (tag !== 'INPUT') return false;
  const type = (el.getAttribute('type') ?? 'text').toLowerCase();
  return !['button', 'checkbox', 'radio', 'range', 'submit', 'reset', 'color', 'file', 'image'].includes(type);
}

/** The item's tags as the annotator edits them, in the order they were first seen or added. */
export class TagDraft {
  private constructor(
    readonly original: readonly string[],
    readonly tags: readonly string[],
  ) {}

  static of(tags: readonly string[]): TagDraft {
    return new TagDraft([...tags], [...tags]);
  }

  has(tag: string): boolean {
    return this.tags.includes(tag);
  }

  toggle(tag: string): TagDraft {
    return new TagDraft(this.original, this.has(tag) ? this.tags.filter((t) => t !== tag) : [...this.tags, tag]);
  }

  add(tags: readonly string[]): TagDraft {
    const next = [...this.tags];
    for (const t of tags) if (t && !next.includes(t)) next.push(t);
    return new TagDraft(this.original, next);
  }

  remove(tag: string): TagDraft {
    return new TagDraft(this.original, this.tags.filter((t) => t !== tag));
  }

  /** What a submission changes on the item. */
  diff(): { add: string[]; remove: string[] } {
    return {
      add: this.tags.filter((t) => !this.original.includes(t)),
      remove: this.original.filter((t) => !this.tags.includes(t)),
    };
  }
}
