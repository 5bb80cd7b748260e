// A source's reading page: its text drawn piece by piece as the page scrolls (the coding
// page's text.js, without codings), links to a passage (#pos=START-END), finding words
// anywhere in the text, and Tab from turn to turn across pieces.
import { makeText } from "./workspace/text.js";

const data = JSON.parse(document.getElementById("reading-data").textContent);
const article = document.querySelector("[data-reading]");
const text = makeText(article, { url: data.urls.pieces, length: data.length, margins: false });
const statusEl = document.getElementById("reading-status");
const say = (message) => {
  statusEl.textContent = message;
};

/** Select [start, end) (drawn), so that it shows and can be copied. */
function select(range) {
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

// ---- links to a passage: #pos=START-END ---------------------------------------------------
async function showFragment() {
  const match = /^#pos=(\d+)-(\d+)$/.exec(window.location.hash);
  if (!match) return;
  const start = Number(match[1]);
  const end = Math.min(Number(match[2]), data.length);
  if (!(end > start)) return;
  const range = await text.showPassage(start, end);
  text.blockAt(start).el.focus({ preventScroll: true });
  select(range);
  say(`Showing the linked passage (positions ${start}–${end}).`);
}
window.addEventListener("hashchange", () => showFragment().catch((error) => say(error.message)));

// ---- finding words: the server finds them in the whole text, the page goes to each ---------
const form = document.querySelector("[data-reading-find]");
const previousButton = form.querySelector("[data-find=previous]");
const nextButton = form.querySelector("[data-find=next]");
let found = { query: null, hits: [], count: 0, at: -1 };

async function find(query) {
  const params = new URLSearchParams({ q: query });
  const response = await fetch(`${data.urls.find}?${params}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error || `The server answered ${response.status}.`);
  found = { query, hits: body.hits, count: body.count, at: -1, terms: body.terms };
  previousButton.disabled = nextButton.disabled = found.hits.length < 2;
}

async function move(step) {
  const { hits } = found;
  if (!hits.length) return;
  found.at = (found.at + step + hits.length) % hits.length;
  const [start, end] = hits[found.at];
  const range = await text.showPassage(start, end);
  if (globalThis.CSS?.highlights && globalThis.Highlight) CSS.highlights.set("reading-found", new Highlight(range));
  const more = found.count > hits.length ? ` (the first ${hits.length} can be visited)` : "";
  say(`${found.at + 1} of ${found.count}${more}: “${range.toString()}”.`);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const query = form.elements.q.value.trim();
  if (!query) return;
  try {
    // Enter again on the same words goes on to the next place.
    if (query !== found.query) await find(query);
    if (!found.hits.length) {
      say(`Nothing found for ${found.terms.join(", ")}.`);
      return;
    }
    await move(event.submitter === previousButton ? -1 : 1);
  } catch (error) {
    found = { query: null, hits: [], count: 0, at: -1 };
    previousButton.disabled = nextButton.disabled = true;
    say(error.message);
  }
});
form.elements.q.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.shiftKey && found.hits.length) {
    event.preventDefault();
    move(-1).catch((error) => say(error.message));
  }
});
previousButton.addEventListener("click", () => move(-1).catch((error) => say(error.message)));
nextButton.addEventListener("click", () => move(1).catch((error) => say(error.message)));

// ---- start ----------------------------------------------------------------------------------
async function startPage() {
  const hash = /^#pos=(\d+)-/.exec(window.location.hash);
  await text.start(hash ? Number(hash[1]) : 0);
  await showFragment();
  article.dataset.ready = "true";
}
startPage().catch((error) => say(`The text could not be loaded: ${error.message}`));
