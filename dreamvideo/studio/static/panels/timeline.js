// The timeline: a keyframe graph over frames for each schedulable setting (Parseq's idea). Click to add a
// keyframe, drag to move it, type its value; it writes the schedule text the setting takes into the form.
import { $, el, kindFields, label, on, state } from "/static/lib.js";
import { scheduleOf, setValue } from "/static/panels/fields.js";
import { parseLayers, parseNumbers, valueAt, writeLayers, writeNumbers } from "/static/panels/keyframes.js";
import { drawSoundtrack } from "/static/panels/soundtrack.js";

const W = 600, H = 140, PAD = 8, SVG = "http://www.w3.org/2000/svg";
let audioFrames = null;  // the music's length, when it sets the render's
let layerFrame = 0;  // the frame the layers editor is open at
const view = { name: null, keys: [], selected: null, component: 0, range: null, dragging: false, writing: false };

const svg = (tag, attrs) => {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
};
const frameCount = () => Math.max(2, Number($("f-frames")?.value || $("f-max_frames")?.value || audioFrames || 60));
const xOf = (frame) => PAD + (W - 2 * PAD) * frame / (frameCount() - 1);
const frameOf = (x) => Math.max(0, Math.min(frameCount() - 1, Math.round((x - PAD) / (W - 2 * PAD) * (frameCount() - 1))));
function tracks() {
  // The kind's number schedules, grouped as the settings are (the camera's moves first: Motion's order).
  const props = state.schema.properties, groups = state.schema["x-groups"] || [];
  const rank = (n) => (props[n]["x-group"] === "Motion" ? -1 : groups.indexOf(props[n]["x-group"]));
  const order = Object.keys(props);
  return kindFields($("kind").value).filter((n) => scheduleOf(n) && !scheduleOf(n).steps)
    .sort((a, b) => rank(a) - rank(b) || order.indexOf(a) - order.indexOf(b));
}

function range() {
  // The values' span, padded, inside the setting's bounds; frozen while a keyframe is dragged.
  if (view.dragging && view.range) return view.range;
  const spec = scheduleOf(view.name), values = view.keys.map((k) => k.value[view.component]);
  let lo = Math.min(...values), hi = Math.max(...values);
  const pad = Math.max((hi - lo) * 0.25, Math.abs(hi) * 0.05, 0.05);
  lo = Math.max(spec.min ?? -Infinity, lo - pad);
  hi = Math.min(spec.max ?? Infinity, hi + pad);
  view.range = [lo, hi];
  return view.range;
}
const yOf = (v) => { const [lo, hi] = range(); return H - PAD - (H - 2 * PAD) * (v - lo) / (hi - lo || 1); };
const valueOfY = (y) => { const [lo, hi] = range(); return lo + (H - PAD - y) / (H - 2 * PAD) * (hi - lo); };

function load(name) {
  view.name = name;
  view.selected = null;
  view.component = 0;
  $("tl-part").hidden = scheduleOf(name).width < 2;
  $("tl-component").value = "0";
  const parsed = parseNumbers($(`f-${name}`).value, scheduleOf(name).width);
  $("tl-note").textContent = parsed.expression ? "This schedule is an expression: edit it as text in the form." : "";
  view.keys = parsed.expression ? [] : parsed.keys;
  if (!parsed.expression && !view.keys.length) view.keys = [{ frame: 0, value: Array(scheduleOf(name).width).fill(0) }];
  draw();
}

function write() {
  // Into the form's field, as typed (view.writing: the form's change event is not read back here).
  if (!view.name) return;
  view.writing = true;
  setValue(view.name, writeNumbers(view.keys));
  view.writing = false;
}

function draw() {
  const graph = $("tl-graph");
  graph.replaceChildren();
  if (!view.keys.length) return;
  const width = scheduleOf(view.name).width;
  for (let c = 0; c < width; c++) {
    const points = [];
    for (let f = 0; f < frameCount(); f += Math.max(1, Math.floor(frameCount() / 200)))
      points.push(`${xOf(f)},${yOf(valueAt(view.keys, f, c))}`);
    points.push(`${xOf(frameCount() - 1)},${yOf(valueAt(view.keys, frameCount() - 1, c))}`);
    graph.append(svg("polyline", { points: points.join(" "), class: c === view.component ? "line" : "line other" }));
  }
  view.keys.forEach((key, i) => {
    const dot = svg("circle", { cx: xOf(key.frame), cy: yOf(key.value[view.component]), r: 6,
                                class: `key${i === view.selected ? " on" : ""}`, "data-frame": key.frame });
    dot.addEventListener("pointerdown", (e) => startDrag(e, i));
    graph.append(dot);
  });
  const [lo, hi] = range();
  $("tl-range").textContent = `${Number(lo.toPrecision(3))} … ${Number(hi.toPrecision(3))} over ${frameCount()} frames`;
  showSelected();
}

function showSelected() {
  const key = view.keys[view.selected];
  $("tl-frame").value = key ? key.frame : "";
  $("tl-value").value = key ? key.value.join(",") : "";
  $("tl-delete").disabled = !key || key.frame === 0;
}

function pointer(e) {
  const box = $("tl-graph").getBoundingClientRect();
  return { x: (e.clientX - box.left) * W / box.width, y: (e.clientY - box.top) * H / box.height };
}

function startDrag(e, index) {
  e.stopPropagation();
  e.preventDefault();
  view.selected = index;
  view.dragging = true;
  const key = view.keys[index], spec = scheduleOf(view.name);
  const move = (m) => {
    const { x, y } = pointer(m), frame = frameOf(x);
    if (key.frame !== 0 && !view.keys.some((k) => k !== key && k.frame === frame)) key.frame = frame;
    key.value[view.component] = Math.min(spec.max ?? Infinity, Math.max(spec.min ?? -Infinity, valueOfY(y)));
    draw();
  };
  const up = () => {
    view.dragging = false;
    window.removeEventListener("pointermove", move);
    view.keys.sort((a, b) => a.frame - b.frame);
    view.selected = view.keys.indexOf(key);
    write();
    draw();
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", up, { once: true });
  draw();
}

function addKey(e) {
  if (!view.keys.length) return;
  const { x, y } = pointer(e), frame = frameOf(x);
  const existing = view.keys.findIndex((k) => k.frame === frame);
  if (existing >= 0) { view.selected = existing; draw(); return; }
  const value = view.keys[0].value.map((_, c) => valueAt(view.keys, frame, c));
  value[view.component] = valueOfY(y);
  view.keys.push({ frame, value });
  view.keys.sort((a, b) => a.frame - b.frame);
  view.selected = view.keys.findIndex((k) => k.frame === frame);
  write();
  draw();
}

function typed() {
  // The value (and frame) boxes edit the selected keyframe.
  const key = view.keys[view.selected];
  if (!key) return;
  const values = $("tl-value").value.split(",").map((s) => Number(s.trim()));
  if (values.length === key.value.length && values.every(Number.isFinite)) key.value = values;
  const frame = Math.round(Number($("tl-frame").value));
  if (key.frame !== 0 && Number.isFinite(frame) && frame > 0 && !view.keys.some((k) => k !== key && k.frame === frame))
    key.frame = frame;
  view.keys.sort((a, b) => a.frame - b.frame);
  view.selected = view.keys.indexOf(key);
  write();
  draw();
}

function removeKey() {
  const key = view.keys[view.selected];
  if (!key || key.frame === 0) return;
  view.keys.splice(view.selected, 1);
  view.selected = null;
  write();
  draw();
}

function showTracks() {
  // The kind's schedulable settings; the panel is hidden for a kind with none (a still).
  const names = tracks();
  $("timeline-panel").hidden = !names.length;
  $("tl-track").replaceChildren(...names.map((n) => el("option", { value: n, text: label(n) })));
  if (!names.length) return;
  load(names.includes(view.name) ? view.name : names[0]);
  $("tl-track").value = view.name;
  drawLayers();
  soundtrack();
}

async function soundtrack() {
  const frames = await drawSoundtrack(xOf, frameCount());
  if (frames === audioFrames) return;
  audioFrames = frames;
  draw();
  drawLayers();
  if (frames) drawSoundtrack(xOf, frameCount());
}

function drawLayers() {
  // The layers lane: which layers are dreamed from which frame (they switch, they do not blend).
  const lane = $("tl-layers"), given = parseLayers($("f-layers")?.value);
  const keys = given.length ? given : [{ frame: 0, value: [] }];
  lane.hidden = !kindFields($("kind").value).includes("layers");
  lane.replaceChildren(...keys.map((k, i) => {
    const span = el("span", { class: "layer-key", "data-frame": k.frame,
                              text: `${k.frame}: ${k.value.join(", ") || "the model's"}` });
    span.style.left = `${100 * xOf(k.frame) / W}%`;  // CSSOM, not a style attribute (the page's CSP)
    span.style.right = keys[i + 1] ? `${100 - 100 * xOf(keys[i + 1].frame) / W}%` : "0";  // the last holds to the end
    return span;
  }));
  lane.onclick = (e) => {  // at a switch's frame it is edited; anywhere else a new one starts there
    const frame = frameOf((e.offsetX / lane.clientWidth) * W);
    editLayers(frame, (keys.find((k) => k.frame === frame) || keys.filter((k) => k.frame <= frame).pop()).value);
  };
}

function editLayers(frame, names) {
  // The lane's editor, in the page (not a browser prompt): Enter or Set writes, Escape or Cancel closes.
  layerFrame = frame;
  $("tl-layer-frame").textContent = frame;
  $("tl-layer-names").value = names.join(", ");
  $("tl-layer-drop").hidden = frame === 0 || !parseLayers($("f-layers")?.value).some((k) => k.frame === frame);
  $("tl-layer-edit").hidden = false;
  $("tl-layer-names").focus();
}

function setLayers(drop = false) {
  const names = $("tl-layer-names").value.split(/[\s,]+/).filter(Boolean);
  const given = parseLayers($("f-layers")?.value);
  const others = (given.length ? given : [{ frame: 0, value: [] }]).filter((k) => k.frame !== layerFrame);
  setValue("layers", writeLayers(drop ? others : others.concat({ frame: layerFrame, value: names })));
  $("tl-layer-edit").hidden = true;
  drawLayers();
}

export function mountTimeline() {
  $("tl-layer-set").addEventListener("click", () => setLayers());
  $("tl-layer-drop").addEventListener("click", () => setLayers(true));
  $("tl-layer-cancel").addEventListener("click", () => { $("tl-layer-edit").hidden = true; });
  $("tl-layer-names").addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); setLayers(); }
    if (e.key === "Escape") $("tl-layer-edit").hidden = true;
  });
  $("tl-track").addEventListener("change", () => load($("tl-track").value));
  $("tl-graph").addEventListener("pointerdown", addKey);
  $("tl-value").addEventListener("change", typed);
  $("tl-frame").addEventListener("change", typed);
  $("tl-delete").addEventListener("click", removeKey);
  $("tl-component").addEventListener("change", () => { view.component = Number($("tl-component").value); draw(); });
  for (const name of ["frames", "max_frames"]) $(`f-${name}`)?.addEventListener("change", showTracks);
  $("render-form").addEventListener("change", (e) => {
    if (e.target.name === view.name && !view.dragging && !view.writing) load(view.name);
    if (e.target.name === "layers") drawLayers();
    if (e.target.name === "audio" || e.target.name === "fps") soundtrack();
  });
  on("kind", showTracks);
  showTracks();
}
