import assert from "node:assert/strict";
import { test } from "node:test";

import { History } from "../../static/js/workspace/history.js";

/** A fake API over an in-memory table, numbering new codings like the server. */
function setup() {
  const rows = new Map();
  let next = 1;
  const messages = [];
  const api = {
    async create(body) {
      const coding = { id: next++, ...body };
      rows.set(coding.id, coding);
      return coding;
    },
    async update(id, changes) {
      if (!rows.has(id)) throw new Error("This coding has been deleted in the meantime.");
      rows.set(id, { ...rows.get(id), ...changes });
      return rows.get(id);
    },
    async remove(id) {
      rows.delete(id);
    },
  };
  const shown = new Map();
  const history = new History({
    api,
    remember: (coding) => shown.set(coding.id, coding),
    forget: (id) => shown.delete(id),
    say: (text, isError = false) => messages.push([text, isError]),
  });
  return { api, rows, shown, history, messages };
}

test("undo removes a new coding and redo brings it back", async () => {
  const { api, rows, history } = setup();
  const body = { code: 3, start: 0, end: 5 };
  const made = await api.create(body);
  history.record({ kind: "create", id: made.id, body });
  await history.undo();
  assert.equal(rows.size, 0);
  await history.redo();
  assert.deepEqual([...rows.values()].map((r) => [r.code, r.start, r.end]), [[3, 0, 5]]);
});

test("undoing a deletion restores it, and later steps follow its new id", async () => {
  const { api, rows, history } = setup();
  const body = { code: 1, start: 2, end: 9, memo: "m" };
  const made = await api.create(body);
  history.record({ kind: "create", id: made.id, body });
  await api.remove(made.id);
  history.record({ kind: "delete", id: made.id, body });
  await history.undo(); // the deletion: a new row with a new id
  const [restored] = rows.values();
  assert.notEqual(restored.id, made.id);
  assert.equal(restored.memo, "m");
  await history.undo(); // the creation, by its new id
  assert.equal(rows.size, 0);
  await history.redo();
  await history.redo();
  assert.equal(rows.size, 0);
});

test("an update is undone to its before state and redone to its after state", async () => {
  const { api, rows, history } = setup();
  const made = await api.create({ code: 1, start: 0, end: 4 });
  await api.update(made.id, { start: 1 });
  history.record({ kind: "update", id: made.id, before: { start: 0 }, after: { start: 1 } });
  await history.undo();
  assert.equal(rows.get(made.id).start, 0);
  await history.redo();
  assert.equal(rows.get(made.id).start, 1);
});

test("a failed step stays where it was and the message says why", async () => {
  const { api, rows, history, messages } = setup();
  const made = await api.create({ code: 1, start: 0, end: 4 });
  history.record({ kind: "update", id: made.id, before: { start: 0 }, after: { start: 1 } });
  rows.delete(made.id); // someone else deleted it
  await history.undo();
  assert.deepEqual(messages.at(-1), ["This coding has been deleted in the meantime.", true]);
  assert.equal(history.undoStack.length, 1);
  await history.redo();
  assert.deepEqual(messages.at(-1), ["Nothing to redo.", false]);
});

test("a new action clears what could be redone", async () => {
  const { api, history } = setup();
  const made = await api.create({ code: 1, start: 0, end: 4 });
  history.record({ kind: "create", id: made.id, body: { code: 1, start: 0, end: 4 } });
  await history.undo();
  assert.equal(history.redoStack.length, 1);
  history.record({ kind: "create", id: 99, body: {} });
  assert.equal(history.redoStack.length, 0);
});
