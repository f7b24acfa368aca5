// The settings form: kinds from the kind table, fields from the schema, grouped as the settings are.
import { $, el, emit, kindFields, kindInfo, label, say, state, suffixOf } from "/static/lib.js";
import { buildField, readForm } from "/static/panels/fields.js";

// Up front, in this order (a layout choice: what an artist reaches for first); every other field of the
// schema goes under "More settings" in its section's group, so new settings appear there by themselves.
const FIRST = ["size", "frames", "zoom", "rotate", "layers", "steps", "step_size", "octaves", "seed"];
const OWN_CONTROL = new Set(["meta", "preview", "codec"]);  // the motion preview button; the format's codec

export function buildKinds() {
  const table = state.schema["x-kind-table"];
  $("kind").replaceChildren(...Object.keys(table).map((k) => el("option", { value: k, text: table[k].label || k })));
  $("kind").value = "zoom" in table ? "zoom" : Object.keys(table)[0];
  $("kind").addEventListener("change", showKindFields);
}

export function buildForm() {
  const props = state.schema.properties;
  const names = Object.keys(props).filter((n) => !OWN_CONTROL.has(n));
  const first = FIRST.filter((n) => names.includes(n));
  $("fields").replaceChildren(...first.map((n) => buildField(n, props[n])));
  const groups = state.schema["x-groups"] || ["Settings"];
  const inGroup = (group) => names.filter((n) => !first.includes(n) && (props[n]["x-group"] || "Settings") === group);
  $("more-fields").replaceChildren(...groups.map((group) => {
    const fields = inGroup(group);
    return fields.length ? el("fieldset", { class: "group", "data-group": group }, el("legend", { text: group }),
                              ...fields.map((n) => buildField(n, props[n]))) : null;
  }));
  $("motion-button").hidden = !("preview" in props);
}

export const takesNoise = (kind) => kindInfo(kind).input === "noise-or-image";
export const matchesKind = (path, kind) => (kindInfo(kind).accepts || []).includes(suffixOf(path));

export function showKindFields() {
  // Only the fields the chosen kind uses; a group with none left is hidden too.
  const kind = $("kind").value, used = new Set(kindFields(kind));
  for (const field of document.querySelectorAll("#render-form [data-field]"))
    field.hidden = !used.has(field.dataset.field);
  for (const group of document.querySelectorAll("#more-fields .group"))
    group.hidden = !group.querySelector("[data-field]:not([hidden])");
  $("motion-button").hidden = !used.has("preview");
  emit("kind", kind);
}

export function request(extra = {}) {
  const input = $("input").value || "";
  return { kind: $("kind").value, input: input || "noise", settings: { ...readForm(), ...extra } };
}

export function sheetSize() {
  // The atlas's and the grid's pictures: 160 px, or the render's own size where that is smaller (32 at least).
  const sides = String($("f-size")?.value || "").match(/\d+/g);
  return Math.max(32, Math.min(160, sides ? Math.max(...sides.map(Number)) : 160));
}

// What the atlas and the grid post: the server reads input "noise" as none and the model from the settings.
export const sheetBody = (form) => ({ input: form.input, settings: form.settings, size: sheetSize() });

// A sheet panel's (atlas, grid) output, under its controls: a note, an error line and the sheet itself.
export function sheetOutput(panel, name, sheetClass) {
  $(panel).append(el("p", { id: `${name}-note`, class: "help" }), el("p", { id: `${name}-error`, class: "error" }),
                  el("div", { id: name, class: sheetClass }));
}

// A sheet panel's request: the note says it is working, its button waits, the answer's note (from ``shown``,
// which also draws the sheet) or the error's one line replaces it.
export async function dreamSheet(name, working, call, shown) {
  const button = $(`${name}-button`);
  $(`${name}-error`).textContent = "";
  busy(button, true);
  try {
    $(`${name}-note`).textContent = working();
    $(`${name}-note`).textContent = shown(await (await call()).json());
  } catch (error) {
    $(`${name}-note`).textContent = "";
    $(`${name}-error`).textContent = words(error.message);
  } finally { busy(button, false); }
}

export function clearErrors(scope = document) {
  for (const node of scope.querySelectorAll("[data-error-for]")) node.textContent = "";
  for (const node of scope.querySelectorAll(".field.invalid")) node.classList.remove("invalid");
  $("form-error").textContent = "";
}

export function showErrors(error) {
  // Each problem beside its field, in the page's words ("Octave scale: ..."); the rest under the buttons.
  const problems = (error.body && error.body.errors) || [];
  let placed = 0;
  for (const problem of problems) {
    const spot = document.querySelector(`#render-form [data-error-for="${CSS.escape(problem.field)}"]`);
    if (!spot) continue;
    spot.textContent = `${problem.field === "input" ? "Input" : label(problem.field)}: ${words(problem.message)}`;
    const field = spot.closest(".field");
    if (field) { field.classList.add("invalid"); if (field.closest("details")) $("more").open = true; }
    spot.scrollIntoView({ block: "nearest" });
    placed += 1;
  }
  $("form-error").textContent = placed === problems.length && placed ? "" : words(error.message);
}

export function words(line) {
  // The server speaks the CLI's language in places ("--octave-scale", "error: "): the page's is plainer.
  return String(line || "").replace(/^error: /, "").replace(/--([a-z][a-z-]*)/g, (_, flag) => {
    const name = flag.replace(/-/g, "_");
    return state.schema && state.schema.properties[name] ? label(name) : flag.replace(/-/g, " ");
  });
}

export function busy(button, on) {
  button.disabled = on;
  button.classList.toggle("busy", on);
  if (!on) say("");
}
