// Talks to the public API under /api/v1/ (docs/api.md) with the session's CSRF token.
// urls.codings: this source's codings; urls.coding: the project's codings (one is `${id}/`).
// The suggestions panel and the player call `apiCall` with their own addresses.

export class ApiError extends Error {}

/** One call to the API: JSON in and out; an answer that is not OK throws its `error`. */
export async function apiCall(method, url, body, csrfToken) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-CSRFToken": csrfToken,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(data?.error || `The server answered ${response.status}.`);
  }
  return data;
}

export function makeApi(urls, csrfToken) {
  const call = (method, url, body) => apiCall(method, url, body, csrfToken);
  const one = (id) => `${urls.coding}${id}/`;
  return {
    create: (coding) => call("POST", urls.codings, coding),
    update: (id, changes) => call("PATCH", one(id), changes),
    remove: (id) => call("DELETE", one(id)),
    since: (cursor) => call("GET", `${urls.codings}?since=${cursor}`),
    pin: (code, slot) => call("POST", urls.pins, { code, slot }),
    createCode: (name, parent, colour) =>
      call("POST", urls.codes, colour ? { name, parent, colour } : { name, parent }),
    listCodes: () => call("GET", urls.codes),
  };
}
