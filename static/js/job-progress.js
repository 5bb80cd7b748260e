// Follows a background job: polls it through the API until it finishes and updates the page
// in place.
const root = document.querySelector("[data-job-url]");
const initial = JSON.parse(document.getElementById("job-data").textContent);

function render(job) {
  const bar = root.querySelector(".progress-bar");
  bar.style.width = `${job.percent}%`;
  bar.textContent = `${job.percent}%`;
  root.querySelector(".progress").setAttribute("aria-valuenow", job.percent);
  root.querySelector("[data-field=status]").textContent = job.status_label;
  root.querySelector("[data-field=count]").textContent = job.total ? `${job.done} / ${job.total}` : "";
  root.querySelector("[data-field=current]").textContent = job.current;
  const list = root.querySelector("[data-field=messages]");
  list.replaceChildren(
    ...job.messages.map((message) => {
      const item = document.createElement("li");
      item.className = message.level === "error" ? "text-danger" : message.level === "warning" ? "text-warning-emphasis" : "";
      item.textContent = message.text;
      return item;
    }),
  );
  if (job.finished) {
    bar.classList.remove("progress-bar-animated");
    bar.classList.toggle("bg-danger", job.status === "failed");
    root.querySelector("[data-field=finished]").hidden = false;
  }
}

async function poll() {
  const response = await fetch(root.dataset.jobUrl, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (response.ok) {
    const job = await response.json();
    render(job);
    if (job.finished) return;
  }
  setTimeout(poll, 1000);
}

render(initial);
if (!initial.finished) setTimeout(poll, 500);
