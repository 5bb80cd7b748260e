// Snapping a selection to whole words, sentences or turns. Positions are UTF-16 indices
// into one block's text (what Intl.Segmenter and the DOM speak).

const segmenters = new Map();

function segmenter(language, granularity) {
  const key = `${language}:${granularity}`;
  if (!segmenters.has(key)) {
    let made;
    try {
      made = new Intl.Segmenter(language || undefined, { granularity });
    } catch {
      made = new Intl.Segmenter(undefined, { granularity });
    }
    segmenters.set(key, made);
  }
  return segmenters.get(key);
}

const SPACE = /\s/;

/** Widen [start, end) to whole words and trim white space at both ends. */
export function snapToWords(text, start, end, language) {
  const words = segmenter(language, "word").segment(text);
  if (start < text.length) {
    const first = words.containing(start);
    if (first && first.isWordLike && first.index < start) start = first.index;
  }
  if (end > 0) {
    const last = words.containing(end - 1);
    if (last && last.isWordLike && last.index + last.segment.length > end) {
      end = last.index + last.segment.length;
    }
  }
  return trim(text, start, end);
}

/** Trim white space from both ends of [start, end). */
export function trim(text, start, end) {
  while (start < end && SPACE.test(text[start])) start += 1;
  while (end > start && SPACE.test(text[end - 1])) end -= 1;
  return [start, end];
}

/** [start, end) of each sentence of a text, by the browser's own sentence rules. */
export function sentencesOf(text, language) {
  const spans = [];
  for (const piece of segmenter(language, "sentence").segment(text)) {
    const [s, e] = trim(text, piece.index, piece.index + piece.segment.length);
    if (e > s) spans.push([s, e]);
  }
  return spans;
}

/** The word boundaries of a text: the starts and ends of its word-like segments. */
export function wordBoundaries(text, language) {
  const points = [];
  for (const piece of segmenter(language, "word").segment(text)) {
    if (piece.isWordLike) points.push([piece.index, piece.index + piece.segment.length]);
  }
  return points;
}
