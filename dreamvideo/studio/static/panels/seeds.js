// Seeds as in the tools artists know: a new random one, the last render's again, or locked for every render.
// Unlocked, each Render rolls a fresh seed into the field (so the sidecar records it); typing one locks it.
import { $, el, on, state } from "/static/lib.js";
import { setValue } from "/static/panels/fields.js";

const MAX = 2 ** 32;
const random = () => Math.floor(Math.random() * MAX);

function lockBox() { return $("seed-lock"); }

export function seedFor(request, keep = false) {
  // As a render is submitted an unlocked seed is rolled; the one sent is remembered as the last. A preview
  // (keep) locks what it rolled, so the Render after it dreams what was previewed.
  if (!$("f-seed") || $("f-seed").closest("[hidden]")) return request;
  if (!lockBox().checked) {
    setValue("seed", String(random()));
    request.settings.seed = Number($("f-seed").value);
    if (keep) lockBox().checked = true;
  }
  if (request.settings.seed !== undefined) state.lastSeed = request.settings.seed;
  return request;
}

function reuse() {
  const newest = state.renders.find((r) => r.settings && r.settings.seed != null);
  const seed = state.lastSeed ?? (newest ? newest.settings.seed : null);
  if (seed == null) return;
  setValue("seed", String(seed));
  lockBox().checked = true;
}

export function mountSeeds() {
  const field = $("f-seed")?.closest(".field");
  if (!field) return;
  const lock = el("label", { class: "check", title: "keep this seed for every render" },
                  el("input", { id: "seed-lock", type: "checkbox" }), "lock");
  field.append(el("div", { class: "seed-buttons" },
    el("button", { type: "button", id: "seed-random", title: "a new random seed", text: "random",
                   onclick: () => { setValue("seed", String(random())); lockBox().checked = true; } }),
    el("button", { type: "button", id: "seed-reuse", title: "the seed of the last render", text: "last",
                   onclick: reuse }),
    lock));
  $("f-seed").addEventListener("input", (e) => { if (e.isTrusted) lockBox().checked = $("f-seed").value !== ""; });
  on("loaded", (settings) => { lockBox().checked = settings && settings.seed != null; });
}
