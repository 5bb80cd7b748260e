// Undo and redo of the user's own coding actions, replayed through the API.
// Undoing a deletion creates the coding again under a new id; later steps that name the old
// id follow it through `aliases`.

const NOUN = { create: "coding", delete: "deletion", update: "change" };

export class History {
  constructor({ api, remember, forget, say }) {
    Object.assign(this, { api, remember, forget, say });
    this.undoStack = [];
    this.redoStack = [];
    this.aliases = new Map();
  }

  /** A step: {kind: "create"|"delete", id, body} or {kind: "update", id, before, after}. */
  record(step) {
    this.undoStack.push(step);
    this.redoStack.length = 0;
  }

  current(id) {
    let resolved = id;
    while (this.aliases.has(resolved)) resolved = this.aliases.get(resolved);
    return resolved;
  }

  async replay(step, direction) {
    const id = this.current(step.id);
    const removes = (step.kind === "create" && direction === "undo") || (step.kind === "delete" && direction === "redo");
    if (removes) {
      await this.api.remove(id);
      this.forget(id);
    } else if (step.kind === "create" || step.kind === "delete") {
      const coding = await this.api.create(step.body);
      this.aliases.set(id, coding.id);
      this.remember(coding);
    } else {
      this.remember(await this.api.update(id, direction === "undo" ? step.before : step.after));
    }
  }

  async undo() {
    return this.#move(this.undoStack, this.redoStack, "undo", "Undone");
  }

  async redo() {
    return this.#move(this.redoStack, this.undoStack, "redo", "Redone");
  }

  async #move(from, to, direction, verb) {
    const step = from.pop();
    if (!step) {
      this.say(`Nothing to ${direction}.`);
      return;
    }
    try {
      await this.replay(step, direction);
      to.push(step);
      this.say(`${verb}: ${NOUN[step.kind]}.`);
    } catch (error) {
      from.push(step);
      this.say(error.message, true);
    }
  }
}
