// Pure layout of codings over a stretch of text: where highlights start and stop.

/**
 * Cut [from, to) at every coding boundary inside it.
 * Returns pieces {start, end, ids} covering [from, to) in order; ids lists the codings
 * covering the piece, in the order given (an empty list for uncoded text).
 */
export function piecesOf(from, to, codings) {
  const inside = codings.filter((c) => c.start < to && c.end > from);
  const cuts = new Set([from, to]);
  for (const c of inside) {
    cuts.add(Math.max(from, c.start));
    cuts.add(Math.min(to, c.end));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i < points.length - 1; i += 1) {
    const start = points[i];
    const end = points[i + 1];
    const ids = inside.filter((c) => c.start <= start && c.end >= end).map((c) => c.id);
    const last = pieces[pieces.length - 1];
    if (last && sameIds(last.ids, ids)) last.end = end;
    else pieces.push({ start, end, ids });
  }
  return pieces;
}

function sameIds(a, b) {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/** Index of the last item whose start is <= point in a list sorted by start, or -1. */
export function lastStartingAtOrBefore(items, point) {
  let low = 0;
  let high = items.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (items[middle].start <= point) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}
