// Settings back into the form: a render's (Edit, drag a card), a sidecar's, a grid cell's, a preset's.
import { $, emit, optional, say, state } from "/static/lib.js";
import { fillForm } from "/static/panels/fields.js";
import { showKindFields } from "/static/panels/form.js";
import { chooseSuffix } from "/static/panels/formats.js";

export function loadSettings(kind, settings, { input = null, path = null, note = "" } = {}) {
  if (kind && [...$("kind").options].some((o) => o.value === kind)) {
    $("kind").value = kind;
    showKindFields();
  }
  if (path) chooseSuffix(path);  // its codec's option exists before its settings are filled in
  fillForm(settings);
  if (input && [...$("input").options].some((o) => o.value === input)) $("input").value = input;
  $("preset").value = "";
  $("preset-help").textContent = note;
  showKindFields();
  emit("loaded", settings);
}

export async function settingsFrom(path) {
  // The server reads the sidecar (POST /api/settings-from); without that endpoint, the gallery's copy.
  try {
    const found = await optional("/api/settings-from", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ path }) });
    const known = state.renders.find((r) => r.path === path);
    if (found) loadSettings(found.kind, found.settings, { input: found.input, path, note: `settings of ${path}` });
    else if (known) loadSettings(known.kind, known.settings, { input: known.input, path, note: `settings of ${path}` });
    else say(`no settings found for ${path}`);
  } catch (error) {
    $("form-error").textContent = `could not read the settings of ${path}: ${error.message}`;
  }
}
