// The recording docked above the text: a turn's time seeks there, the turn being spoken is
// marked (and followed, when "Follow the text" is on), a coding plays its span, and leads
// tie a clicked word to the paused time ("Sync here"). Keys: Ctrl+Space play/pause,
// Ctrl+←/→ five seconds back/forward, Ctrl+. faster, Ctrl+Shift+. or Ctrl+, slower (the
// speed button returns to normal speed). Offsets are code points, converted by offsets.js.
import { apiCall } from "./api.js";
import { pageText } from "./text.js";
import { clock, nextSpeed, positionAt, timeAt } from "./timeline.js";

const dataEl = document.getElementById("recording-data");
if (dataEl) start(JSON.parse(dataEl.textContent));

function start(data) {
  const root = document.getElementById("rec-player");
  const media = document.getElementById("rec-media");
  const article = document.querySelector(".ws-text-area");
  // The text is drawn piece by piece as the page scrolls (text.js): `blocks` are those drawn.
  const text = pageText();
  const { blocks, blockAt, offsetOf } = text;
  const control = (name) => root.querySelector(`[data-rec="${name}"]`);
  const playButton = control("play");
  const statusEl = control("status");
  const clockEl = control("clock");
  const seek = control("seek");
  const follow = control("follow");
  const speedButton = control("speed");
  let points = data.points;
  let duration = data.duration;
  let stopAt = null; // a coding's end, in seconds, while it plays
  let current = null; // the block being spoken

  const call = (method, url, body) => apiCall(method, url, body, data.csrfToken);
  const say = (text) => {
    statusEl.textContent = text;
  };
  const timeOf = (position) => timeAt(points, position, { length: data.length, duration });

  // Every block gets a button with its start time; a turn's own time label becomes one.
  function drawTimes(drawn = blocks) {
    drawn.forEach((block) => {
      const seconds = timeOf(block.start) ?? 0;
      let button = block.el.querySelector(".rec-time");
      if (!button) {
        button = document.createElement("button");
        button.type = "button";
        button.className = "rec-time btn btn-link btn-sm p-0 font-monospace";
        const head = block.el.querySelector(".ws-speaker");
        const stamp = head?.querySelector(".font-monospace");
        if (stamp) stamp.replaceWith(button);
        else if (head) head.append(" ", button);
        else block.el.prepend(button);
      }
      button.dataset.time = String(seconds);
      button.textContent = `[${clock(seconds)}]`;
      button.setAttribute("aria-label", `Play from ${clock(seconds)}`);
    });
  }
  text.onDraw((drawn) => {
    drawTimes(drawn);
    markCurrent();
  });

  function playFrom(seconds, until = null) {
    media.currentTime = Math.max(0, seconds);
    stopAt = until;
    const playing = media.play();
    if (playing?.catch) playing.catch(() => say("Press Play (the browser wants a click before sound)."));
  }

  function toggle() {
    if (media.paused) {
      stopAt = null;
      const playing = media.play();
      if (playing?.catch) playing.catch((error) => say(`Cannot play: ${error.message}`));
    } else {
      media.pause();
    }
  }

  function skip(seconds) {
    const end = Number.isFinite(media.duration) ? media.duration : Infinity;
    media.currentTime = Math.max(0, Math.min(end, media.currentTime + seconds));
  }

  function setSpeed(rate) {
    media.playbackRate = rate;
    speedButton.textContent = `${rate}×`;
    say(rate === 1 ? "Normal speed." : `Speed ${rate}× (click the speed button for normal speed).`);
  }

  /** The drawn block spoken at the recording's time (null when its piece is not drawn). */
  function spokenBlock() {
    const position = positionAt(points, media.currentTime, { length: data.length, duration });
    if (position === null || position === undefined || !blocks.length) return null;
    if (!text.pieceAt(position)?.drawn) {
      // Its piece is not drawn: draw it when the page follows the recording.
      if (follow.checked && !media.paused) text.reveal(position);
      return null;
    }
    const block = blockAt(position);
    return block;
  }

  function markCurrent() {
    const block = spokenBlock();
    if (block === current) return;
    current?.el.classList.remove("rec-current");
    current = block;
    if (!block) return;
    block.el.classList.add("rec-current");
    block.el.setAttribute("data-rec-current", "");
    for (const other of article.querySelectorAll("[data-rec-current]")) {
      if (other !== block.el) other.removeAttribute("data-rec-current");
    }
    if (follow.checked && !media.paused) block.el.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function showClock() {
    const total = Number.isFinite(media.duration) ? media.duration : duration;
    clockEl.textContent = `${clock(media.currentTime)} / ${clock(total)}`;
    if (total) seek.value = String(Math.round((1000 * media.currentTime) / total));
  }

  media.src = data.src;
  media.addEventListener("loadedmetadata", () => {
    if (duration == null && Number.isFinite(media.duration)) {
      duration = media.duration;
      drawTimes();
      if (data.canReportDuration) call("POST", data.urls.duration, { duration: media.duration }).catch(() => {});
    }
    showClock();
  });
  media.addEventListener("timeupdate", () => {
    if (stopAt !== null && media.currentTime >= stopAt) {
      media.pause();
      stopAt = null;
    }
    showClock();
    markCurrent();
  });
  media.addEventListener("play", () => {
    playButton.textContent = "Pause";
    root.classList.add("rec-playing");
  });
  media.addEventListener("pause", () => {
    playButton.textContent = "Play";
    root.classList.remove("rec-playing");
  });
  media.addEventListener("error", () => say("The recording cannot be played in this browser."));

  playButton.addEventListener("click", toggle);
  control("back").addEventListener("click", () => skip(-5));
  control("forward").addEventListener("click", () => skip(5));
  speedButton.addEventListener("click", () => setSpeed(1));
  seek.addEventListener("input", () => {
    const total = Number.isFinite(media.duration) ? media.duration : duration;
    if (total) media.currentTime = (Number(seek.value) / 1000) * total;
  });
  control("enlarge")?.addEventListener("click", (event) => {
    const large = root.classList.toggle("rec-large");
    event.currentTarget.setAttribute("aria-pressed", String(large));
    event.currentTarget.textContent = large ? "Smaller picture" : "Enlarge picture";
  });

  article.addEventListener("click", (event) => {
    const button = event.target.closest(".rec-time");
    if (!button) return;
    event.preventDefault();
    playFrom(Number(button.dataset.time));
  });

  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
    if (event.target.closest?.("input[type=text], input[type=search], textarea, select, [contenteditable]")) return;
    if (event.code === "Space" || event.key === " ") {
      event.preventDefault();
      toggle();
    } else if (event.key === "ArrowLeft") {
      event.preventDefault();
      skip(-5);
    } else if (event.key === "ArrowRight") {
      event.preventDefault();
      skip(5);
    } else if (event.code === "Period" || event.key === "." || event.key === ">") {
      // Ctrl+. faster, Ctrl+Shift+. slower (as Ctrl+, is).
      event.preventDefault();
      setSpeed(nextSpeed(media.playbackRate, event.shiftKey ? -1 : 1));
    } else if (event.code === "Comma" || event.key === ",") {
      event.preventDefault();
      setSpeed(nextSpeed(media.playbackRate, -1));
    }
  });

  // A coding's editor (workspace.js puts its span on the section) gets a button to play it.
  const editor = document.querySelector('[data-field="editor"]');
  if (editor) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-primary mb-2";
    button.dataset.rec = "play-coding";
    button.textContent = "▶ Play this passage";
    editor.querySelector('[data-field="editor-quote"]')?.after(button);
    button.addEventListener("click", () => {
      const from = Number(editor.dataset.start);
      const to = Number(editor.dataset.end);
      if (!Number.isFinite(from) || editor.dataset.start === undefined) return;
      playFrom(timeOf(from) ?? 0, timeOf(to));
    });
  }

  // Sync here: the word clicked (or the start of the selection) is spoken now.
  control("sync")?.addEventListener("click", async () => {
    const native = window.getSelection();
    if (!native.rangeCount || !article.contains(native.anchorNode)) {
      say("Pause the recording, click the word being spoken, then press Sync here.");
      return;
    }
    const range = native.getRangeAt(0);
    const found = offsetOf(range.startContainer, range.startOffset, false);
    if (!found) return;
    const seconds = Math.round(media.currentTime * 1000) / 1000;
    try {
      points = await call("POST", data.urls.sync, { position: found.point, time: seconds });
      redraw();
      say(`Synced: position ${found.point} is spoken at ${clock(seconds)}.`);
    } catch (error) {
      say(error.message);
    }
  });

  // The points set by hand, each with a button to remove it (a lead moves a point to another
  // word by syncing that word and removing the old one).
  const syncList = control("sync-list");
  const asking = new Set(); // positions whose words are being fetched
  function drawSyncs() {
    if (!syncList) return;
    const manual = points.filter((p) => p.manual && p.id !== null);
    control("sync-count").textContent = String(manual.length);
    if (!manual.length) {
      const none = document.createElement("li");
      none.className = "text-muted";
      none.textContent = "None yet. Pause where a word is spoken, click the word, press Sync here.";
      syncList.replaceChildren(none);
      return;
    }
    syncList.replaceChildren(
      ...manual.map((point) => {
        const item = document.createElement("li");
        const quote = text.quoteOf(point.position, point.position + 40);
        // Words in a piece not fetched yet: only that stretch is fetched, then listed again.
        if (quote === null && !asking.has(point.position)) {
          asking.add(point.position);
          text.fetchText(point.position, point.position + 40).then(drawSyncs, () => {});
        }
        const words = (quote ?? "").replace(/\s+/g, " ").trim();
        item.append(`[${clock(point.time)}] “${words}…” `);
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn btn-link btn-sm p-0";
        remove.textContent = "Remove";
        remove.addEventListener("click", async () => {
          try {
            points = await call("DELETE", `${data.urls.sync}${point.id}/`);
            redraw();
            say("Sync point removed.");
          } catch (error) {
            say(error.message);
          }
        });
        item.append(remove);
        return item;
      }),
    );
  }

  function redraw() {
    drawTimes();
    drawSyncs();
    current?.el.classList.remove("rec-current");
    current = null;
    markCurrent();
  }

  drawTimes();
  drawSyncs();
  showClock();
  const asked = new URLSearchParams(window.location.search).get("t");
  if (asked !== null && Number.isFinite(Number(asked))) {
    media.addEventListener("loadedmetadata", () => playFrom(Number(asked)), { once: true });
  }
  // Exposed for the page's own tests and for other scripts: where playback is, in text terms.
  root.positionNow = () => positionAt(points, media.currentTime, { length: data.length, duration });
}
