// Pick lists for the model and its layers, from GET /api/models (a model without its weights is shown,
// disabled, with how to get them).
import { $, el, emit, json, on, state } from "/static/lib.js";
import { setValue } from "/static/panels/fields.js";

export const currentModel = () => state.models.find((m) => m.name === ($("f-model")?.value || ""));

function modelSelect(models) {
  const old = $("f-model");
  const select = el("select", { id: "f-model", name: "model", "data-kind": "enum" },
    models.map((m) => el("option", { value: m.name, disabled: !m.available, title: m.how || null,
                                     text: m.available ? (m.label || m.name) : `${m.label || m.name} (not here)` })));
  select.value = old.value;
  old.replaceWith(select);
  // The models without their weights: named in one line, how to get each folded under it.
  const missing = models.filter((m) => !m.available && m.how);
  if (missing.length) select.closest(".field").append(el("details", { class: "how" },
    el("summary", { text: `Not here: ${missing.map((m) => m.label || m.name).join(", ")}` }),
    el("ul", {}, missing.map((m) => el("li", { text: m.how })))));
  select.addEventListener("change", () => { showLayers(); emit("model", select.value); });
}

function chosenLayers() {
  const text = $("f-layers").value.trim();
  return text.startsWith("{") ? [] : text.split(/[\s,]+/).filter(Boolean);
}

export function showLayers() {
  // One chip per layer of the chosen model; a click adds or removes it (the text stays the truth).
  const box = $("layer-chips"), model = currentModel();
  if (!box) return;
  box.replaceChildren();
  if (!model) return;
  const chosen = new Set(chosenLayers().length ? chosenLayers() : model.default_layers || []);
  for (const layer of model.layers || []) {
    box.append(el("button", { type: "button", class: `chip${chosen.has(layer) ? " on" : ""}`, text: layer,
      "data-layer": layer, onclick: () => toggle(layer) }));
  }
}

function toggle(layer) {
  const model = currentModel();
  const now = chosenLayers().length ? chosenLayers() : [...(model.default_layers || [])];
  const next = now.includes(layer) ? now.filter((l) => l !== layer) : [...now, layer];
  setValue("layers", next.join(","));
  showLayers();
}

export async function mountModels() {
  state.models = await json("/api/models");
  modelSelect(state.models);
  $("f-layers").closest(".field").append(el("div", { id: "layer-chips", class: "chips" }));
  $("f-layers").addEventListener("input", showLayers);
  $("f-layers").addEventListener("change", showLayers);
  on("loaded", showLayers);
  showLayers();
}
