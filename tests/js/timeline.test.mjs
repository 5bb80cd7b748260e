import assert from "node:assert/strict";
import { test } from "node:test";

import { blockAtTime, clock, nextSpeed, positionAt, timeAt } from "../../static/js/workspace/timeline.js";

const points = [
  { position: 100, time: 10 },
  { position: 300, time: 30 },
];

test("time runs evenly over the characters between sync points", () => {
  assert.equal(timeAt(points, 200), 20);
  assert.equal(timeAt(points, 300), 30);
  assert.equal(timeAt(points, 50), 5); // from time 0 at the text's start
});

test("after the last point time runs to the recording's end", () => {
  assert.equal(timeAt(points, 350, { length: 400, duration: 40 }), 35);
  assert.equal(timeAt(points, 400, { length: 400, duration: 40 }), 40);
});

test("without points the duration spreads over the text; without either there is no time", () => {
  assert.equal(timeAt([], 50, { length: 100, duration: 60 }), 30);
  assert.equal(timeAt([], 50), null);
});

test("positionAt is the inverse of timeAt", () => {
  for (const position of [0, 1, 50, 100, 199, 300, 399]) {
    const time = timeAt(points, position, { length: 400, duration: 40 });
    assert.equal(positionAt(points, time, { length: 400, duration: 40 }), position);
  }
  assert.equal(positionAt([{ position: 10, time: 0 }], 0, { length: 50, duration: 5 }), 0);
});

test("the same times as the server computes (interviews/recordings/sync.py)", () => {
  // Values from tests/interviews/test_recordings_sync.py.
  assert.equal(timeAt([{ position: 0, time: 0 }, { position: 100, time: 10 }], 150), 15);
  assert.equal(timeAt([{ position: 0, time: 0 }, { position: 100, time: 10 }], 150, { length: 200, duration: 30 }), 20);
});

test("the block being spoken is the last one starting at or before the time", () => {
  const times = [0, 4, 9.5, 20];
  assert.equal(blockAtTime(times, 0), 0);
  assert.equal(blockAtTime(times, 9.5), 2);
  assert.equal(blockAtTime(times, 19.9), 2);
  assert.equal(blockAtTime(times, 100), 3);
});

test("speeds step up and down and stop at the ends; labels read as a clock", () => {
  assert.equal(nextSpeed(1, 1), 1.25);
  assert.equal(nextSpeed(1, -1), 0.75);
  assert.equal(nextSpeed(2, 1), 2);
  assert.equal(nextSpeed(0.5, -1), 0.5);
  assert.equal(clock(751.4), "00:12:31");
});
