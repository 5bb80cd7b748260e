// Selecting words of a source to mark them as identifying: fills the form's start and end
// (code points, through offsets.js) and tints the spans already found.
import { codePointsToUtf16, utf16ToCodePoint } from "./workspace/offsets.js";

const article = document.getElementById("deid-text");
const form = document.getElementById("deid-add");
const text = article.textContent;

function tint() {
  const marks = JSON.parse(document.getElementById("deid-marks").textContent);
  if (!marks.length) return;
  const points = marks.flatMap((m) => [m.start, m.end]).sort((a, b) => a - b);
  const index = new Map(points.map((p, i) => [p, codePointsToUtf16(text, points)[i]]));
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const mark of marks.sort((a, b) => a.start - b.start)) {
    const from = index.get(mark.start);
    const to = index.get(mark.end);
    if (from < at) continue;
    fragment.append(text.slice(at, from));
    const element = document.createElement("mark");
    element.className = `deid-${mark.status}`;
    element.dataset.start = mark.start;
    element.title = mark.status;
    element.textContent = text.slice(from, to);
    fragment.append(element);
    at = to;
  }
  fragment.append(text.slice(at));
  article.replaceChildren(fragment);
}

function offsetIn(node, offset) {
  // The UTF-16 index in the whole text of a position inside the article.
  const range = document.createRange();
  range.selectNodeContents(article);
  range.setEnd(node, offset);
  return range.toString().length;
}

document.addEventListener("selectionchange", () => {
  const selection = document.getSelection();
  if (!selection.rangeCount || selection.isCollapsed) return;
  const range = selection.getRangeAt(0);
  if (!article.contains(range.startContainer) || !article.contains(range.endContainer)) return;
  let from = offsetIn(range.startContainer, range.startOffset);
  let to = offsetIn(range.endContainer, range.endOffset);
  while (from < to && /\s/.test(text[from])) from += 1;
  while (to > from && /\s/.test(text[to - 1])) to -= 1;
  if (from >= to) return;
  form.elements.start.value = utf16ToCodePoint(text, from);
  form.elements.end.value = utf16ToCodePoint(text, to);
  form.querySelector("[data-field=selected]").textContent = text.slice(from, to);
});

tint();
