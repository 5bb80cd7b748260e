// Suggestions in the coding page: passages proposed by rules and by the model learned from the
// team, listed with their code, score and origin and drawn in the text with a dashed underline.
// The drawing uses the CSS Custom Highlight API, so the codings' own marks are left untouched.
// `a` accepts the current suggestion (it becomes the user's coding), `r` rejects it.
import { apiCall } from "./api.js";
import { codePointsToUtf16 } from "./offsets.js";
import { pageText } from "./text.js";

const section = document.querySelector("[data-suggestions]");
const pageData = JSON.parse(document.getElementById("workspace-data").textContent);
const article = document.querySelector(".ws-text-area");
const codes = new Map(pageData.codes.map((c) => [c.id, c]));
const field = (name) => section.querySelector(`[data-field="${name}"]`);
const list = field("suggestion-list");
const statusLine = field("suggestion-status");
const acceptAll = field("suggestion-accept-all");
const text = pageText(); // drawn piece by piece as the page scrolls
const canDraw = typeof CSS !== "undefined" && "highlights" in CSS && typeof Highlight !== "undefined";

let suggestions = [];
let current = null; // id of the suggestion `a` and `r` act on, once the user chose one

const call = (method, url, body) => apiCall(method, url, body, pageData.csrfToken);

/** DOM ranges covering code points [start, end) of the source, block by block. */
export function rangesFor(start, end, root = article) {
  const ranges = [];
  for (const block of root.querySelectorAll(".ws-block")) {
    const blockStart = Number(block.dataset.start);
    const blockEnd = Number(block.dataset.end);
    if (blockEnd <= start || blockStart >= end) continue;
    const textEl = block.querySelector(".ws-text");
    const text = textEl.textContent;
    const [from, to] = codePointsToUtf16(text, [
      Math.max(start, blockStart) - blockStart,
      Math.min(end, blockEnd) - blockStart,
    ]);
    const range = document.createRange();
    let seen = 0;
    let begun = false;
    const walker = document.createTreeWalker(textEl, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const length = node.data.length;
      if (!begun && from <= seen + length) {
        range.setStart(node, from - seen);
        begun = true;
      }
      if (begun && to <= seen + length) {
        range.setEnd(node, to - seen);
        break;
      }
      seen += length;
    }
    if (begun) ranges.push(range);
  }
  return ranges;
}

function draw() {
  if (!canDraw) return;
  const others = [];
  const chosen = [];
  for (const s of suggestions) (s.id === current ? chosen : others).push(...rangesFor(s.start, s.end));
  CSS.highlights.set("parley-suggestion", new Highlight(...others));
  CSS.highlights.set("parley-suggestion-current", new Highlight(...chosen));
}

function quote(s) {
  const words = text.quoteOf(s.start, s.end) ?? "…";
  return words.length > 140 ? `${words.slice(0, 140)}…` : words;
}

function cardFor(s) {
  const code = codes.get(s.code);
  const item = document.createElement("li");
  item.className = "ws-suggestion-card";
  item.dataset.id = s.id;
  if (s.id === current) item.classList.add("is-current");
  const head = document.createElement("button");
  head.type = "button";
  head.className = "btn btn-link btn-sm p-0 text-start text-decoration-none text-reset";
  head.dataset.action = "focus";
  const swatch = document.createElement("span");
  swatch.className = "code-swatch";
  swatch.style.background = code?.colour ?? "#888";
  swatch.setAttribute("aria-hidden", "true");
  const name = document.createElement("strong");
  name.textContent = ` ${code?.path ?? "?"}`;
  const meta = document.createElement("span");
  meta.className = "text-muted";
  meta.textContent = ` · ${s.score.toFixed(2)} · ${s.origin_label}`;
  const words = document.createElement("div");
  words.className = "ws-suggestion-quote";
  words.textContent = `“${quote(s)}”`;
  head.append(swatch, name, meta, words);
  head.setAttribute(
    "aria-label",
    `Suggestion: ${code?.path ?? "?"}, score ${s.score.toFixed(2)}, from ${s.origin_label}: “${quote(s)}”. Press a to accept, r to reject.`,
  );
  const tools = document.createElement("div");
  tools.className = "d-flex gap-2";
  for (const [action, label] of [
    ["accept", "Accept (a)"],
    ["reject", "Reject (r)"],
  ]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `btn btn-sm py-0 ${action === "accept" ? "btn-outline-primary" : "btn-outline-secondary"}`;
    button.dataset.action = action;
    button.textContent = label;
    tools.append(button);
  }
  item.append(head, tools);
  return item;
}

function render() {
  list.replaceChildren(...suggestions.map(cardFor));
  field("suggestion-count").textContent = String(suggestions.length);
  acceptAll.hidden = suggestions.length === 0;
  draw();
}

async function load() {
  try {
    suggestions = await call("GET", section.dataset.listUrl);
  } catch (error) {
    statusLine.textContent = error.message;
    return;
  }
  // `a` and `r` act only on a suggestion the user chose (focused, clicked, or the next one
  // after a decision), never on one a stray key press happens to meet.
  if (!suggestions.some((s) => s.id === current)) current = null;
  render();
  // The words of the first suggestions whose text the page has not fetched yet.
  const missing = suggestions.filter((x) => text.quoteOf(x.start, x.end) === null).slice(0, 40);
  if (missing.length) {
    await Promise.all(missing.map((x) => text.fetchText(x.start, x.end))).catch(() => {});
    render();
  }
}

function makeCurrent(id, { focus = false, scroll = false } = {}) {
  current = id;
  for (const card of list.children) card.classList.toggle("is-current", Number(card.dataset.id) === id);
  draw();
  const card = list.querySelector(`[data-id="${id}"]`);
  if (focus) card?.querySelector("[data-action=focus]")?.focus();
  const s = suggestions.find((x) => x.id === id);
  if (scroll && s) {
    text.reveal(s.start, s.end).then(() => {
      const [range] = rangesFor(s.start, s.end);
      range?.startContainer.parentElement?.scrollIntoView({ block: "center", behavior: "smooth" });
    });
  }
}

async function decide(id, action) {
  const s = suggestions.find((x) => x.id === id);
  if (!s) return;
  const index = suggestions.indexOf(s);
  const wasInList = list.contains(document.activeElement);
  try {
    await call("POST", `${section.dataset.suggestionsUrl}${id}/${action}/`);
    const code = codes.get(s.code);
    statusLine.textContent = `${action === "accept" ? "Accepted" : "Rejected"}: ${code?.path ?? "?"} (${s.origin_label}).`;
  } catch (error) {
    statusLine.textContent = error.message;
  }
  if (action === "accept") document.dispatchEvent(new CustomEvent("parley:codings-changed"));
  await load();
  const next = suggestions[Math.min(index, suggestions.length - 1)];
  if (next) makeCurrent(next.id, { focus: wasInList });
}

list.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const id = Number(button.closest("[data-id]").dataset.id);
  if (button.dataset.action === "focus") makeCurrent(id, { scroll: true });
  else decide(id, button.dataset.action);
});

list.addEventListener("focusin", (event) => {
  const card = event.target.closest("[data-id]");
  if (card) makeCurrent(Number(card.dataset.id));
});

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  const target = event.target;
  if (target.closest?.("input, textarea, select, [contenteditable]")) return;
  const key = event.key.toLowerCase();
  if ((key !== "a" && key !== "r") || current === null) return;
  event.preventDefault();
  decide(current, key === "a" ? "accept" : "reject");
});

acceptAll.addEventListener("submit", async (event) => {
  event.preventDefault();
  const minScore = acceptAll.elements.min_score.value;
  try {
    const result = await call("POST", section.dataset.acceptAllUrl, {
      min_score: minScore === "" ? null : Number(minScore),
    });
    statusLine.textContent = `${result.accepted} suggestion${result.accepted === 1 ? "" : "s"} accepted.`;
    document.dispatchEvent(new CustomEvent("parley:codings-changed"));
  } catch (error) {
    statusLine.textContent = error.message;
  }
  await load();
});

// The codings' drawing replaces the text's nodes: draw the suggestions again after it.
let redraw = 0;
new MutationObserver(() => {
  cancelAnimationFrame(redraw);
  redraw = requestAnimationFrame(draw);
}).observe(article, { childList: true, subtree: true });

load();
