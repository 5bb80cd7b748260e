// A table wider than the screen scrolls inside its frame (.table-responsive); a frame that
// scrolls is made reachable with the keyboard, and named, so it can be scrolled without a mouse.

function nameOf(frame) {
  const caption = frame.querySelector("caption")?.textContent.trim();
  if (caption) return caption;
  let node = frame.previousElementSibling;
  while (node && !/^H[1-6]$/.test(node.tagName)) node = node.previousElementSibling;
  return node?.textContent.trim() || "Table";
}

function markScrolling() {
  for (const frame of document.querySelectorAll(".table-responsive")) {
    const scrolls = frame.scrollWidth > frame.clientWidth + 1;
    if (scrolls && !frame.hasAttribute("tabindex")) {
      frame.tabIndex = 0;
      frame.setAttribute("role", "region");
      frame.setAttribute("aria-label", `${nameOf(frame)} (scrolls sideways)`);
      frame.dataset.scrollRegion = "";
    } else if (!scrolls && "scrollRegion" in frame.dataset) {
      frame.removeAttribute("tabindex");
      frame.removeAttribute("role");
      frame.removeAttribute("aria-label");
      delete frame.dataset.scrollRegion;
    }
  }
}

let pending = 0;
markScrolling();
window.addEventListener("resize", () => {
  clearTimeout(pending);
  pending = setTimeout(markScrolling, 150);
});
