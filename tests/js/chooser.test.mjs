import assert from "node:assert/strict";
import { test } from "node:test";

import { matchingCodes } from "../../static/js/workspace/chooser.js";

const codes = [
  { id: 1, name: "Weaknesses", path: "Weaknesses", codable: false },
  { id: 2, name: "Financing", path: "Weaknesses/Financing", codable: true },
  { id: 3, name: "Trust", path: "Strengths/Trust", codable: true },
  { id: 4, name: "Weak ties", path: "Strengths/Weak ties", codable: true },
];

test("names that start with the query come before paths that hold it", () => {
  assert.deepEqual(
    matchingCodes(codes, "  WEAK ").map((c) => c.id),
    [4, 2],
  );
});

test("an empty query offers nothing and groups are never offered", () => {
  assert.deepEqual(matchingCodes(codes, "   "), []);
  assert.deepEqual(
    matchingCodes(codes, "weaknesses").map((c) => c.id),
    [2],
  );
});

test("at most twelve codes are offered", () => {
  const many = Array.from({ length: 20 }, (_, i) => ({ id: i, name: `Code ${i}`, path: `Code ${i}`, codable: true }));
  assert.equal(matchingCodes(many, "code").length, 12);
});
