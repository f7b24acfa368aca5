// The layer atlas: the current input dreamed small at every layer of the chosen model, one click to pick one.
import { $, el, human, on, post } from "/static/lib.js";
import { busy, request, sheetBody, words } from "/static/panels/form.js";
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

async function dreamAtlas() {
  const button = $("atlas-button");
  $("atlas-error").textContent = "";
  $("atlas-note").textContent = "dreaming each layer…";
  busy(button, true);
  try {
    const answer = await (await post("/api/atlas", sheetBody(request()))).json();
    $("atlas").replaceChildren(...answer.layers.map(figure));
    $("atlas-note").textContent = `${answer.layers.length} layers of ${answer.model}, `
      + (answer.cached ? "from the cache" : `${human(answer.seconds, "s")}`) + ". Click one to use it.";
  } catch (error) {
    $("atlas-note").textContent = "";
    $("atlas-error").textContent = words(error.message);
  } finally { busy(button, false); }
}

export function mountAtlas() {
  $("atlas-button").addEventListener("click", dreamAtlas);
  on("model", () => { $("atlas").replaceChildren(); $("atlas-note").textContent = ""; });
}
