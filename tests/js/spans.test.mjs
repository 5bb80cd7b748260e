import assert from "node:assert/strict";
import { test } from "node:test";

import { snapToWords, sentencesOf } from "../../static/js/workspace/snap.js";
import { lastStartingAtOrBefore, piecesOf } from "../../static/js/workspace/spans.js";

test("overlapping codings cut the text into pieces that list every covering coding", () => {
  const codings = [
    { id: 1, start: 2, end: 8 },
    { id: 2, start: 5, end: 12 },
    { id: 3, start: 5, end: 8 },
  ];
  assert.deepEqual(piecesOf(0, 15, codings), [
    { start: 0, end: 2, ids: [] },
    { start: 2, end: 5, ids: [1] },
    { start: 5, end: 8, ids: [1, 2, 3] },
    { start: 8, end: 12, ids: [2] },
    { start: 12, end: 15, ids: [] },
  ]);
});

test("codings reaching beyond a block are clipped to it", () => {
  assert.deepEqual(piecesOf(10, 20, [{ id: 7, start: 0, end: 15 }]), [
    { start: 10, end: 15, ids: [7] },
    { start: 15, end: 20, ids: [] },
  ]);
});

test("the binary search finds the block holding a point", () => {
  const blocks = [{ start: 0 }, { start: 10 }, { start: 30 }];
  assert.equal(lastStartingAtOrBefore(blocks, 0), 0);
  assert.equal(lastStartingAtOrBefore(blocks, 29), 1);
  assert.equal(lastStartingAtOrBefore(blocks, 99), 2);
  assert.equal(lastStartingAtOrBefore([{ start: 5 }], 1), -1);
});

test("a selection snaps to whole words and loses surrounding spaces", () => {
  const text = "Money was always short, but";
  assert.deepEqual(snapToWords(text, 2, 9, "en"), [0, 9]);
  assert.deepEqual(snapToWords(text, 5, 12, "en"), [6, 16]);
});

test("word snapping leaves Chinese words and emoji whole", () => {
  const text = "film 🎬 — 观众很喜欢 — и в Минске";
  const start = text.indexOf("观众很喜欢");
  assert.deepEqual(snapToWords(text, start, start + 5, "zh"), [start, start + 5]);
  const minsk = text.indexOf("Минске");
  assert.deepEqual(snapToWords(text, minsk + 2, minsk + 3, "ru"), [minsk, minsk + 6]);
});

test("sentences come from the browser's rules when the source has none stored", () => {
  const text = "It started in Minsk. Money was short!  Then?";
  assert.deepEqual(
    sentencesOf(text, "en").map(([s, e]) => text.slice(s, e)),
    ["It started in Minsk.", "Money was short!", "Then?"],
  );
});

import { makeSelecting } from "../../static/js/workspace/selecting.js";

const turns = [
  { start: 0, end: 44, text: "Interviewer: How did it start? Tell me 🎬 more." },
  { start: 46, end: 104, text: "Respondent: It started in Minsk. Money was always short." },
];

test("turn snapping widens a selection to whole turns, across two turns", () => {
  const rules = makeSelecting({ blocks: turns, sentences: [], language: "en", setting: "turn" });
  assert.deepEqual(rules.snap({ start: 20, end: 50 }), { start: 0, end: 104 });
});

test("sentence snapping uses stored sentences, or the browser's when there are none", () => {
  const stored = makeSelecting({ blocks: turns, sentences: [[58, 78]], language: "en", setting: "sentence" });
  assert.deepEqual(stored.snap({ start: 60, end: 62 }), { start: 58, end: 78 });
  const own = makeSelecting({ blocks: turns, sentences: [], language: "en", setting: "sentence" });
  const text = turns[1].text;
  const money = 46 + text.indexOf("Money");
  assert.deepEqual(own.snap({ start: money + 2, end: money + 4 }), { start: money, end: 46 + text.length });
});

test("word snapping and word moves count code points after an emoji", () => {
  const rules = makeSelecting({ blocks: turns, sentences: [], language: "en", setting: "word" });
  const text = turns[0].text;
  // "more" follows the emoji: in code points it starts one earlier than in UTF-16 units.
  const more = [...text].indexOf("m", [...text].indexOf("🎬"));
  assert.deepEqual(rules.snap({ start: more + 1, end: more + 3 }), { start: more, end: more + 4 });
  const moved = rules.moveByWord({ start: more, end: more + 4 }, "start", -1);
  assert.equal([...text].slice(moved.start, moved.end).join(""), "me 🎬 more");
  assert.deepEqual(rules.firstWord(turns[1]), { start: 46, end: 56 });
});
