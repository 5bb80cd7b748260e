import assert from "node:assert/strict";
import { test } from "node:test";

import {
  codePointLength,
  codePointToUtf16,
  codePointsToUtf16,
  sliceCodePoints,
  utf16ToCodePoint,
} from "../../static/js/workspace/offsets.js";

const mixed = "Film 🎬 — 观众很喜欢 — и в Минске 👩‍👩‍👧 тоже 𠀀.";

test("plain ASCII positions are the same in both counts", () => {
  assert.equal(utf16ToCodePoint("hello", 3), 3);
  assert.equal(codePointToUtf16("hello", 3), 3);
});

test("an emoji is one code point and two UTF-16 units", () => {
  const at = mixed.indexOf("—");
  assert.equal(at, 8);
  assert.equal(utf16ToCodePoint(mixed, at), 7);
  assert.equal(codePointToUtf16(mixed, 7), 8);
});

test("CJK of the basic plane counts one unit each; a supplementary ideograph two", () => {
  const start = mixed.indexOf("观");
  const point = utf16ToCodePoint(mixed, start);
  assert.equal(sliceCodePoints(mixed, point, point + 5), "观众很喜欢");
  const rare = mixed.indexOf("𠀀");
  const rarePoint = utf16ToCodePoint(mixed, rare);
  assert.equal(sliceCodePoints(mixed, rarePoint, rarePoint + 1), "𠀀");
  assert.equal(sliceCodePoints(mixed, rarePoint + 1, rarePoint + 2), ".");
});

test("Cyrillic round-trips", () => {
  const start = mixed.indexOf("Минске");
  const point = utf16ToCodePoint(mixed, start);
  assert.equal(codePointToUtf16(mixed, point), start);
  assert.equal(sliceCodePoints(mixed, point, point + 6), "Минске");
});

test("the code-point length matches Python's len()", () => {
  // len("Film 🎬 — 观众很喜欢 — и в Минске 👩‍👩‍👧 тоже 𠀀.") in Python is 41.
  assert.equal(codePointLength(mixed), 41);
  assert.equal(mixed.length, 46);
  assert.equal(codePointLength(mixed), [...mixed].length);
});

test("every boundary round-trips, and many offsets convert in one pass", () => {
  const points = [];
  for (let p = 0; p <= codePointLength(mixed); p += 1) {
    const unit = codePointToUtf16(mixed, p);
    assert.equal(utf16ToCodePoint(mixed, unit), p);
    points.push(p);
  }
  assert.deepEqual(
    codePointsToUtf16(mixed, points),
    points.map((p) => codePointToUtf16(mixed, p)),
  );
});

test("a UTF-16 index inside a surrogate pair counts the whole pair", () => {
  const inside = mixed.indexOf("🎬") + 1;
  assert.equal(utf16ToCodePoint(mixed, inside), 6);
});

test("offsets beyond the end clamp to the end", () => {
  assert.equal(codePointToUtf16("ab", 10), 2);
  assert.equal(utf16ToCodePoint("ab", 10), 2);
});
