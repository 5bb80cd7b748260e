// The one place where the browser's UTF-16 positions meet the server's code-point offsets.
// A code point above U+FFFF (emoji, rare CJK) takes two UTF-16 units, a surrogate pair.

const isHigh = (unit) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit) => unit >= 0xdc00 && unit <= 0xdfff;

/** Code points in text.slice(0, index); an index inside a surrogate pair counts the pair. */
export function utf16ToCodePoint(text, index) {
  let points = 0;
  const stop = Math.min(index, text.length);
  for (let i = 0; i < stop; i += 1) {
    if (isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1))) i += 1;
    points += 1;
  }
  return points;
}

/** The UTF-16 index of code point `point` in text (text.length when beyond its end). */
export function codePointToUtf16(text, point) {
  let i = 0;
  for (let seen = 0; seen < point && i < text.length; seen += 1) {
    i += isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1)) ? 2 : 1;
  }
  return i;
}

/** UTF-16 indices of many code-point offsets (sorted ascending) in one pass. */
export function codePointsToUtf16(text, sortedPoints) {
  const result = [];
  let i = 0;
  let seen = 0;
  for (const point of sortedPoints) {
    while (seen < point && i < text.length) {
      i += isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1)) ? 2 : 1;
      seen += 1;
    }
    result.push(i);
  }
  return result;
}

/** The number of code points in text. */
export function codePointLength(text) {
  return utf16ToCodePoint(text, text.length);
}

/** text[start:end] counted in code points, like Python's str slicing. */
export function sliceCodePoints(text, start, end) {
  const [from, to] = codePointsToUtf16(text, [start, Math.max(start, end)]);
  return text.slice(from, to);
}
