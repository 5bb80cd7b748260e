import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, makeApi } from "../../static/js/workspace/api.js";

/** Record every request the coding page's API module sends, answering `answer`. */
function recording(answer = { status: 200, body: {} }) {
  const sent = [];
  globalThis.fetch = async (url, init) => {
    sent.push({ url, method: init.method, headers: init.headers, body: init.body });
    return {
      status: answer.status,
      ok: answer.status < 400,
      json: async () => answer.body,
    };
  };
  return sent;
}

const urls = {
  codings: "/api/v1/projects/3/sources/7/codings/",
  coding: "/api/v1/projects/3/codings/",
  pins: "/api/v1/projects/3/pins/",
};

test("it sends each call to its path under /api/v1/ with the CSRF token", async () => {
  const sent = recording();
  const api = makeApi(urls, "tok");
  await api.create({ code: 1, start: 0, end: 4 });
  await api.update(12, { memo: "x" });
  await api.since(40);
  await api.pin(5, 2);
  assert.deepEqual(
    sent.map((r) => [r.method, r.url]),
    [
      ["POST", "/api/v1/projects/3/sources/7/codings/"],
      ["PATCH", "/api/v1/projects/3/codings/12/"],
      ["GET", "/api/v1/projects/3/sources/7/codings/?since=40"],
      ["POST", "/api/v1/projects/3/pins/"],
    ],
  );
  assert.ok(sent.every((r) => r.headers["X-CSRFToken"] === "tok"));
  assert.deepEqual(JSON.parse(sent[3].body), { code: 5, slot: 2 });
});

test("a delete answers null and an error carries the server's sentence", async () => {
  recording({ status: 204, body: null });
  assert.equal(await makeApi(urls, "tok").remove(12), null);
  recording({ status: 409, body: { error: "You have already coded exactly this passage." } });
  await assert.rejects(makeApi(urls, "tok").create({}), (error) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.message, "You have already coded exactly this passage.");
    return true;
  });
});
