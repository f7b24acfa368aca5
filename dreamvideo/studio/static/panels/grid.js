// The variation grid (an X/Y plot): one still (the first frame, whatever the form's kind), one setting along
// each axis, up to 4x4; a click on a cell puts its settings in the form.
import { $, el, human, kindFields, label, on, post, state } from "/static/lib.js";
import { fieldType } from "/static/panels/fields.js";
import { dreamSheet, request, sheetBody, sheetOutput } from "/static/panels/form.js";
import { currentModel } from "/static/panels/models.js";
import { loadSettings } from "/static/panels/recall.js";

const MAX = 4;

function axisFields() {
  // Settings of the form's kind that change a still, one value each: numbers, choices, switches, layers, the seed.
  const props = state.schema.properties, still = new Set(kindFields("still"));
  return kindFields($("kind").value).filter((n) => n in props && still.has(n) && n !== "codec" &&
    (n === "layers" || n === "model" || fieldType(props[n]).kind !== "text"));
}

function suggest(name) {
  // A starting row of values: the model's layers, the choices, or the current value halved and doubled.
  const prop = state.schema.properties[name], type = fieldType(prop);
  if (name === "layers") return (currentModel()?.layers || []).slice(-MAX);
  if (name === "seed") return [1, 2, 3];
  if (type.kind === "enum") return type.values.slice(0, MAX);
  if (type.kind === "bool") return [true, false];
  const now = Number($(`f-${name}`)?.value || prop.default || 1);
  const integer = type.spec.type === "integer";
  return [...new Set([now / 2, now, now * 2].map((v) => (integer ? Math.max(1, Math.round(v)) : Number(v.toPrecision(3)))))];
}

function parse(name, text) {
  const type = fieldType(state.schema.properties[name]);
  return text.split(",").map((v) => v.trim()).filter(Boolean).slice(0, MAX).map((v) =>
    type.kind === "number" ? Number(v) : type.kind === "bool" ? v === "true" : v);
}

function axisControls(axis, initial) {
  const select = $(`grid-${axis}-field`), values = $(`grid-${axis}-values`);
  const names = axisFields();
  select.replaceChildren(...names.map((n) => el("option", { value: n, text: label(n) })));
  if (names.includes(initial)) select.value = initial;
  values.value = suggest(select.value).join(", ");
  select.onchange = () => { values.value = suggest(select.value).join(", "); };
}

function draw(answer, x, y) {
  const xs = [...new Set(answer.cells.map((c) => JSON.stringify(c.x)))];
  const box = $("grid");
  box.style.gridTemplateColumns = `auto repeat(${xs.length}, minmax(0, 160px))`;  // CSSOM (the page's CSP)
  const heads = [el("span"), ...xs.map((v) => el("span", { class: "axis", text: `${label(x.field)} ${JSON.parse(v)}` }))];
  const rows = [];
  answer.cells.forEach((c, i) => {
    if (i % xs.length === 0) rows.push(el("span", { class: "axis", text: `${label(y.field)} ${c.y}` }));
    rows.push(el("figure", { class: "grid-cell", title: "use these settings", "data-x": String(c.x),
                             "data-y": String(c.y), onclick: () => loadSettings($("kind").value, c.settings,
                               { note: `grid: ${label(x.field)} ${c.x}, ${label(y.field)} ${c.y}` }) },
                  el("img", { src: c.image, alt: `${x.field} ${c.x}, ${y.field} ${c.y}` })));
  });
  box.replaceChildren(...heads, ...rows);
}

function dreamGrid() {
  let x, y;
  const axes = () => {  // read when the request starts: a value that does not parse is the error line
    x = { field: $("grid-x-field").value, values: parse($("grid-x-field").value, $("grid-x-values").value) };
    y = { field: $("grid-y-field").value, values: parse($("grid-y-field").value, $("grid-y-values").value) };
    return `dreaming ${x.values.length * y.values.length} variations…`;
  };
  return dreamSheet("grid", axes, () => post("/api/grid", { ...sheetBody(request()), x, y }), (answer) => {
    draw(answer, x, y);
    return `${answer.cells.length} cells in ${human(answer.seconds, "s")}. Click one to use it.`;
  });
}

export function mountGrid() {
  sheetOutput("grid-panel", "grid", "xy");
  let kind = null;
  const fill = () => {  // only when the kind changes: a cell loaded into the form keeps the axes as they were
    if (kind === $("kind").value) return;
    kind = $("kind").value;
    axisControls("x", "layers");
    axisControls("y", "step_size");
  };
  on("kind", fill);
  $("grid-button").addEventListener("click", dreamGrid);
  fill();
}
