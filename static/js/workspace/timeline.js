// Time at a position of the text and position at a time, as interviews/recordings/sync.py
// computes them: even over the characters between sync points, from time 0 at the text's
// start, and to the recording's end when its duration is known. Points arrive from the
// server already consistent (ordered, times strictly rising).

function anchored(points, length, duration) {
  const anchors = points.map((p) => [p.position, p.time]);
  if (!anchors.length || (anchors[0][0] > 0 && anchors[0][1] > 0)) anchors.unshift([0, 0]);
  const last = anchors.at(-1);
  if (length != null && duration != null && last[0] < length && last[1] < duration) {
    anchors.push([length, duration]);
  }
  return anchors;
}

function lastAtOrBefore(values, value) {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function segment(anchors, index) {
  return index >= anchors.length - 1 ? [anchors.at(-2), anchors.at(-1)] : [anchors[index], anchors[index + 1]];
}

/** Seconds at code-point `position`, or null when nothing ties the text to time. */
export function timeAt(points, position, { length = null, duration = null } = {}) {
  if (!points.length && (duration == null || !length)) return null;
  const anchors = anchored(points, length, duration);
  if (anchors.length === 1) return anchors[0][1];
  const index = lastAtOrBefore(anchors.map((a) => a[0]), position);
  if (index < 0) return anchors[0][1];
  const [[p0, t0], [p1, t1]] = segment(anchors, index);
  let time = t0 + ((position - p0) * (t1 - t0)) / (p1 - p0);
  if (duration != null) time = Math.min(time, duration);
  return Math.max(0, time);
}

/** The first code-point position spoken at `time` seconds (the inverse of timeAt). */
export function positionAt(points, time, { length, duration = null }) {
  if (!points.length && duration == null) return 0;
  const anchors = anchored(points, length, duration);
  if (anchors[0][0] > 0) anchors.unshift([0, 0]);
  const times = anchors.map((a) => a[1]);
  if (anchors.length === 1 || time <= times[0]) return Math.min(anchors[0][0], length);
  const index = lastAtOrBefore(times, time - 1e-12) + 1; // the first time >= `time`
  if (index < anchors.length && times[index] === time) return Math.min(anchors[index][0], length);
  const [[p0, t0], [p1, t1]] = index >= anchors.length ? anchors.slice(-2) : anchors.slice(index - 1, index + 1);
  const position = p0 + ((time - t0) * (p1 - p0)) / (t1 - t0);
  return Math.max(0, Math.min(length, Math.floor(position)));
}

/** "00:12:31" for 751.4 seconds. */
export function clock(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return "--:--:--";
  const total = Math.floor(seconds);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}

/** The index of the last block starting at or before `time` (blocks carry .time, rising). */
export function blockAtTime(times, time) {
  return lastAtOrBefore(times, time + 1e-6);
}

export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

/** The next speed up (step 1) or down (step -1) from `rate`. */
export function nextSpeed(rate, step) {
  let index = SPEEDS.findIndex((s) => Math.abs(s - rate) < 1e-9);
  if (index < 0) index = SPEEDS.indexOf(1);
  return SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, index + step))];
}
