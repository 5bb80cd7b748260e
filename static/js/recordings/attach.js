// A recording's file input (source page, import review): refuse a file over the limit before
// sending it, and measure its duration in the browser (kept when the server has no ffprobe).
for (const form of document.querySelectorAll(".rec-attach")) {
  const input = form.querySelector('input[type="file"]');
  const duration = form.querySelector('input[name="duration"]');
  const error = form.querySelector('[data-rec="attach-error"]');
  const limit = Number(form.dataset.maxBytes);
  input.addEventListener("change", () => {
    error.textContent = "";
    duration.value = "";
    const file = input.files[0];
    if (!file) return;
    if (file.size > limit) {
      error.textContent = `This file is larger than the limit of ${form.dataset.limitLabel}.`;
      input.value = "";
      return;
    }
    const probe = document.createElement(file.type.startsWith("video/") ? "video" : "audio");
    probe.preload = "metadata";
    const url = URL.createObjectURL(file);
    probe.addEventListener("loadedmetadata", () => {
      if (Number.isFinite(probe.duration)) duration.value = String(probe.duration);
      URL.revokeObjectURL(url);
    });
    probe.addEventListener("error", () => URL.revokeObjectURL(url));
    probe.src = url;
  });
}
