import assert from "node:assert/strict";
import { test } from "node:test";

import { bandColour, contrast, PAGE, TEXT, tint } from "../../static/js/workspace/colours.js";
import { bandShadow } from "../../static/js/workspace/highlights.js";

test("contrast ratios are WCAG's", () => {
  assert.equal(contrast("#000000", "#ffffff"), 21);
  assert.ok(Math.abs(contrast("#767676", "#ffffff") - 4.54) < 0.01);
});

test("a pale colour's band is darkened until it stands out by 3:1, a dark one is kept", () => {
  for (const pale of ["#c8e6c9", "#ffcdd2", "#ffffff", "#ffeb3b"]) {
    assert.ok(contrast(bandColour(pale), PAGE) >= 3, pale);
  }
  assert.equal(bandColour("#c62828"), "#c62828");
  assert.equal(bandColour("not a colour"), "#6c757d");
});

test("text over any tint keeps 4.5:1", () => {
  for (const colour of ["#000000", "#c62828", "#1565c0", "#ffeb3b", "#6a1b9a"]) {
    assert.ok(contrast(TEXT, tint(colour)) >= 4.5, colour);
  }
});

test("each coding draws one band, with the page between two bands", () => {
  const shadow = bandShadow(["#c62828", "#c62828", "#1565c0"]);
  const layers = shadow.split(", ");
  assert.deepEqual(layers, [
    "inset 0 -3px 0 #c62828",
    "inset 0 -4px 0 #ffffff",
    "inset 0 -7px 0 #c62828",
    "inset 0 -8px 0 #ffffff",
    "inset 0 -11px 0 #1565c0",
  ]);
});
