// Settings back into the form: a render's (Edit, drag a card), a sidecar's (a render's path, or a .yaml file
// dropped on the page: its text), a grid cell's, a preset's.
import { $, emit, hasOption, post } from "/static/lib.js";
import { fillForm } from "/static/panels/fields.js";
import { showKindFields } from "/static/panels/form.js";
import { chooseSuffix } from "/static/panels/formats.js";

export function loadSettings(kind, settings, { input = null, path = null, note = "" } = {}) {
  if (kind && hasOption($("kind"), kind)) {
    $("kind").value = kind;
    showKindFields();
  }
  if (path) chooseSuffix(path);  // its codec's option exists before its settings are filled in
  fillForm(settings);
  if (input && hasOption($("input"), input)) $("input").value = input;
  $("preset").value = "";
  $("preset-help").textContent = note;
  showKindFields();
  emit("loaded", settings);
}

export async function settingsFrom(source) {
  // source: a render's path in the folder, or a dropped sidecar File (the server reads its text, never stores it).
  const name = typeof source === "string" ? source : source.name;
  try {
    const body = typeof source === "string" ? { path: source } : { name, text: await source.text() };
    const found = await (await post("/api/settings-from", body)).json();
    const output = name.replace(/\.yaml$/i, "");
    loadSettings(found.kind, found.settings, { input: found.input, path: output, note: `settings of ${name}` });
  } catch (error) {
    $("form-error").textContent = `could not read the settings of ${name}: ${error.message}`;
  }
}
