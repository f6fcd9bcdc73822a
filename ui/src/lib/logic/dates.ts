// Calendar days ↔ the filter's instants (ms since the epoch), in the local time zone. A date
// range is inclusive of whole days: "from" is the first millisecond of its day, "to" the last,
// so "to 2026-03-31" keeps an item made at 23:59 that day. Days are counted by the calendar, not
// as 24 hours, so the days clocks change on (23 or 25 hours) are whole too.

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The local midnight that starts day `y-m-d` plus `plus` days, or null for no such day. */
function midnight(text: string, plus: number): number | null {
  const m = DAY.exec(text.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const start = new Date(y, mo, d);
  start.setFullYear(y); // years 0–99 are not 1900–1999
  if (start.getFullYear() !== y || start.getMonth() !== mo || start.getDate() !== d) return null; // 2026-02-30
  if (plus) start.setDate(start.getDate() + plus);
  return start.getTime();
}

/** The first millisecond of a `YYYY-MM-DD` day, local time; null for '' or a day that is not one. */
export const dayStart = (text: string): number | null => midnight(text, 0);

/** The last millisecond of a `YYYY-MM-DD` day, local time (the next midnight less 1 ms). */
export function dayEnd(text: string): number | null {
  const next = midnight(text, 1);
  return next === null ? null : next - 1;
}

/** The local `YYYY-MM-DD` day an instant falls on (what a date input shows). */
export function dayOf(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A date range as a sentence: "Created 2026-01-01 – 2026-03-31", "Updated on or after 2026-01-01",
 * "Created on or before 2026-03-31"; one day reads "Created on 2026-01-01". */
export function dayRangeLabel(verb: string, from: number | null, to: number | null): string {
  const a = from === null ? null : dayOf(from);
  const b = to === null ? null : dayOf(to);
  if (a !== null && b !== null) return a === b ? `${verb} on ${a}` : `${verb} ${a} – ${b}`;
  if (a !== null) return `${verb} on or after ${a}`;
  if (b !== null) return `${verb} on or before ${b}`;
  return `${verb} any time`;
}
