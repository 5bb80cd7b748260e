// Selection rules over the blocks of a text, without the DOM: snapping to words, sentences
// or turns, sentences of a block, and moving a boundary by a word. A block is
// {start, end, text}; offsets are code points, as the server counts.
import { codePointsToUtf16, utf16ToCodePoint } from "./offsets.js";
import { sentencesOf, snapToWords, wordBoundaries } from "./snap.js";
import { lastStartingAtOrBefore } from "./spans.js";

/** The block holding a point (the one before, for a point in the blank between blocks). */
export function blockHolding(blocks, point) {
  const i = lastStartingAtOrBefore(blocks, point);
  return i >= 0 ? blocks[i] : blocks[0];
}

/** The UTF-16 index inside a block's text of a code-point offset. */
export function units(block, point) {
  return codePointsToUtf16(block.text, [point - block.start])[0];
}

/** The code-point offsets of two UTF-16 indices inside a block's text. */
export function points(block, startUnits, endUnits) {
  return [
    block.start + utf16ToCodePoint(block.text, startUnits),
    block.start + utf16ToCodePoint(block.text, endUnits),
  ];
}

/**
 * Rules for one source: `sentences` are stored sentence spans (possibly none, then the
 * browser's own sentence rules apply), `setting` is the user's snap ("word", "sentence",
 * "turn").
 */
export function makeSelecting({ blocks, sentences, language, setting }) {
  const cache = new WeakMap();

  function sentenceSpans(block) {
    if (!cache.has(block)) {
      const stored = sentences.filter(([s, e]) => s < block.end && e > block.start);
      cache.set(
        block,
        stored.length
          ? stored.map(([s, e]) => [Math.max(s, block.start), Math.min(e, block.end)])
          : sentencesOf(block.text, language).map(([s, e]) => points(block, s, e)),
      );
    }
    return cache.get(block);
  }

  /** Widen a selection to whole words, sentences or turns, as the user's setting says. */
  function snap(range) {
    const first = blockHolding(blocks, range.start);
    const last = blockHolding(blocks, range.end - 1);
    if (setting === "turn") return { start: first.start, end: last.end };
    if (setting === "sentence") {
      const head = sentenceSpans(first).find(([s, e]) => s <= range.start && e > range.start);
      const tail = sentenceSpans(last).find(([s, e]) => s < range.end && e >= range.end);
      return { start: head ? head[0] : range.start, end: tail ? tail[1] : range.end };
    }
    const [a] = snapToWords(first.text, units(first, range.start), first.text.length, language);
    const [, b] = snapToWords(last.text, 0, units(last, range.end), language);
    const start = points(first, a, a)[0];
    const end = points(last, b, b)[0];
    return end > start ? { start, end } : range;
  }

  /** Move the start or the end of a range by one word (step +1 or -1). */
  function moveByWord(range, which, step) {
    const block = blockHolding(blocks, which === "start" ? range.start : range.end - 1);
    const bounds = wordBoundaries(block.text, language).map(([s, e]) => points(block, s, e));
    const starts = bounds.map((b) => b[0]);
    const ends = bounds.map((b) => b[1]);
    if (which === "start") {
      const next = step > 0 ? starts.find((p) => p > range.start) : starts.filter((p) => p < range.start).at(-1);
      return next !== undefined && next < range.end ? { ...range, start: next } : range;
    }
    const next = step > 0 ? ends.find((p) => p > range.end) : ends.filter((p) => p < range.end).at(-1);
    return next !== undefined && next > range.start ? { ...range, end: next } : range;
  }

  /** The first word of a block as a range, where keyboard selection starts. */
  function firstWord(block) {
    const first = wordBoundaries(block.text, language)[0];
    if (!first) return null;
    const [start, end] = points(block, first[0], first[1]);
    return { start, end };
  }

  return { sentenceSpans, snap, moveByWord, firstWord };
}
