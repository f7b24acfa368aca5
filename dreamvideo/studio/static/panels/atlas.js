// The layer atlas: the current input dreamed small at every layer of the chosen model, one click to pick one.
import { $, el, human, on, post } from "/static/lib.js";
import { dreamSheet, request, sheetBody, sheetOutput } from "/static/panels/form.js";
import { setValue } from "/static/panels/fields.js";
import { showLayers } from "/static/panels/models.js";

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

const dreamAtlas = () => dreamSheet("atlas", () => "dreaming each layer…",
  () => post("/api/atlas", sheetBody(request())),
  (answer) => {
    $("atlas").replaceChildren(...answer.layers.map(figure));
    return `${answer.layers.length} layers of ${answer.model}, `
      + (answer.cached ? "from the cache" : `${human(answer.seconds, "s")}`) + ". Click one to use it.";
  });

export function mountAtlas() {
  sheetOutput("atlas-panel", "atlas", "strip");
  $("atlas-button").addEventListener("click", dreamAtlas);
  on("model", () => { $("atlas").replaceChildren(); $("atlas-note").textContent = ""; });
}
