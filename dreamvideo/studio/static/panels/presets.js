// Presets: the shipped ones and the folder's own (presets/NAME.yaml, which the command line's preset option
// reads); save the form as one; and the last settings of each kind, which the studio remembers as each job is
// submitted (GET /api/last/KIND).
import { $, el, json, post, say } from "/static/lib.js";
import { request } from "/static/panels/form.js";
import { loadSettings } from "/static/panels/recall.js";

let presets = [];

function listPresets() {
  const shipped = presets.filter((p) => p.source === "shipped");
  const own = presets.filter((p) => p.source === "folder");
  const option = (p) => el("option", { value: `${p.source}:${p.name}`, text: p.name, disabled: !p.settings });
  $("preset").replaceChildren(el("option", { value: "", text: "defaults" }),
    own.length ? el("optgroup", { label: "this folder's" }, own.map(option)) : null,
    el("optgroup", { label: "shipped" }, shipped.map(option)));
}

function choosePreset() {
  const preset = presets.find((p) => `${p.source}:${p.name}` === $("preset").value);
  const chosen = $("preset").value;
  loadSettings(preset && preset.kind, preset ? preset.settings : {}, { note: preset ? preset.description || "" : "" });
  $("preset").value = chosen;
}

async function savePreset() {
  const name = $("preset-name").value.trim(), spot = $("preset-error");
  spot.textContent = "";
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(name)) {
    spot.textContent = "Name: letters, digits, - and _ only, at most 40";
    return;
  }
  const body = { name, kind: $("kind").value, settings: request().settings };
  try {
    await post("/api/presets", body);
  } catch (error) {
    if (error.status !== 409 || !confirm(`A preset "${name}" exists in this folder. Replace it?`)) {
      spot.textContent = error.message;
      return;
    }
    await post("/api/presets", { ...body, replace: true }).catch((e) => { spot.textContent = e.message; });
  }
  await loadPresets();
  $("preset").value = `folder:${name}`;
  say(`saved presets/${name}.yaml`);
}

async function loadPresets() {
  presets = await json("/api/presets");
  listPresets();
}

export async function recallLast(kind) {
  // The settings last rendered as this kind (the studio keeps them as each render is submitted).
  const { settings } = await json(`/api/last/${encodeURIComponent(kind)}`);
  if (Object.keys(settings).length) loadSettings(kind, settings, { note: `your last ${kind}` });
}

export async function mountPresets() {
  await loadPresets();
  $("preset").addEventListener("change", choosePreset);
  $("preset-save-button").addEventListener("click", savePreset);
  $("kind").addEventListener("change", () => recallLast($("kind").value).catch((e) => say(e.message)));
}
