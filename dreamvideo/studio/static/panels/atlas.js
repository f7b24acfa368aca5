// The layer atlas: the current input dreamed small at every layer of the chosen model, one click to pick one.
import { $, el, human, on, post, state } from "/static/lib.js";
import { busy, request, words } from "/static/panels/form.js";
import { setValue } from "/static/panels/fields.js";
import { showLayers } from "/static/panels/models.js";

const SIZE = 160;

function figure(layer) {
  const node = el("figure", { class: "atlas-cell", "data-layer": layer.layer, tabindex: "0",
                              title: `use ${layer.layer}` },
    el("img", { src: layer.image, alt: `dreamed at ${layer.layer}`, loading: "lazy" }),
    el("figcaption", { text: layer.layer }));
  const pick = () => {
    setValue("layers", layer.layer);
    showLayers();
    for (const other of $("atlas").querySelectorAll(".atlas-cell")) other.classList.toggle("on", other === node);
  };
  node.addEventListener("click", pick);
  node.addEventListener("keydown", (e) => { if (e.key === "Enter") pick(); });
  return node;
}

async function dreamAtlas() {
  const button = $("atlas-button"), form = request();
  $("atlas-error").textContent = "";
  $("atlas-note").textContent = "dreaming each layer…";
  busy(button, true);
  try {
    const body = { input: form.input === "noise" ? null : form.input, model: form.settings.model || null,
                   size: SIZE, settings: form.settings };
    const answer = await (await post("/api/atlas", body)).json();
    $("atlas").replaceChildren(...answer.layers.map(figure));
    $("atlas-note").textContent = `${answer.layers.length} layers of ${answer.model}, `
      + (answer.cached ? "from the cache" : `${human(answer.seconds, "s")}`) + ". Click one to use it.";
  } catch (error) {
    if (error.status === 404 || error.status === 405) { $("atlas-panel").hidden = true; return; }
    $("atlas-note").textContent = "";
    $("atlas-error").textContent = words(error.message);
  } finally { busy(button, false); }
}

export function mountAtlas() {
  // Offered with the model list (the same part of the studio serves both).
  $("atlas-panel").hidden = !Array.isArray(state.models);
  $("atlas-button").addEventListener("click", dreamAtlas);
  on("model", () => { $("atlas").replaceChildren(); $("atlas-note").textContent = ""; });
}
