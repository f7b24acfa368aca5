// dreamvideo studio: the page. Vanilla JS over the REST API (see README "Studio"); no build step.
"use strict";

const state = { schema: null, presets: [], renders: [], jobs: [], selected: new Set(), base: {}, doneSeen: new Set() };
// Shown first; every other field of the schema goes under "More settings", so new settings appear there.
const PRIMARY = ["size", "frames", "zoom", "rotate", "translate", "layers", "objective", "octaves", "steps",
                 "step_size", "seed", "coherence", "start", "end", "max_frames"];
const HIDDEN = new Set(["meta", "preview", "codec"]);  // preview and codec have their own controls
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child != null) node.append(child);
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (!response.ok) {
    let body = {};
    try { body = await response.json(); } catch (e) { body = { error: `${response.status} ${response.statusText}` }; }
    const error = new Error(body.error || `${response.status}`);
    error.body = body;
    throw error;
  }
  return response;
}
const json = async (path, options) => (await api(path, options)).json();
const post = (path, body) => api(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                         body: JSON.stringify(body) });

function say(text) { $("status").textContent = text || ""; }

// ------------------------------------------------------------------ the form, generated from the schema

function fieldType(prop) {
  const options = prop.anyOf ? prop.anyOf.filter((p) => p.type !== "null") : [prop];
  if (options.length === 1) {
    const only = options[0];
    if (only.enum) return { kind: "enum", values: only.enum, nullable: !!prop.anyOf };
    if (only.type === "boolean") return { kind: "bool" };
    if (only.type === "integer" || only.type === "number") return { kind: "number", spec: only };
  }
  return { kind: "text" };
}

function asText(value) {
  // Settings as a command line would type them: schedules "0:(1.04), 60:(1.1)", pairs "0,0", sizes "64x64".
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.join(",");
  if (typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "0") return asText(value["0"]);
    const numeric = (v) => typeof v === "number" || (Array.isArray(v) && v.every((x) => typeof x === "number"));
    // Number keyframes read back as a Deforum schedule; anything else (layer or objective keyframes) as JSON.
    if (keys.every((k) => /^\d+$/.test(k)) && Object.values(value).every(numeric))
      return keys.map((k) => `${k}:(${asText(value[k])})`).join(", ");
    return JSON.stringify(value);
  }
  return String(value);
}

function buildField(name, prop) {
  const type = fieldType(prop);
  const id = `f-${name}`;
  const help = el("p", { class: "help", text: prop.description || "" });
  const error = el("p", { class: "error", "data-error-for": name });
  let input;
  if (type.kind === "enum") {
    input = el("select", { id, name }, type.nullable ? el("option", { value: "", text: "(default)" }) : null,
               type.values.map((v) => el("option", { value: v, text: v })));
  } else if (type.kind === "bool") {
    input = el("input", { id, name, type: "checkbox" });
    input.dataset.kind = type.kind;
    return el("div", { class: "field bool", "data-field": name },
              el("label", { for: id }, input, prop.title || name), help, error);
  } else if (type.kind === "number") {
    const spec = type.spec;
    input = el("input", { id, name, type: "number", step: spec.type === "integer" ? "1" : "any",
                          min: spec.minimum ?? spec.exclusiveMinimum, max: spec.maximum ?? spec.exclusiveMaximum });
  } else {
    input = el("input", { id, name, type: "text", spellcheck: "false" });
  }
  input.dataset.kind = type.kind;
  return el("div", { class: "field", "data-field": name }, el("label", { for: id }, prop.title || name, input),
            help, error);
}

function buildForm() {
  const props = state.schema.properties;
  const names = Object.keys(props).filter((n) => !HIDDEN.has(n));
  const first = PRIMARY.filter((n) => names.includes(n));
  $("fields").replaceChildren(...first.map((n) => buildField(n, props[n])));
  $("more-fields").replaceChildren(...names.filter((n) => !first.includes(n)).map((n) => buildField(n, props[n])));
  $("motion-button").hidden = !("preview" in props);
  showKindFields();
}

// The kinds, their fields, inputs and outputs are the server's kind table (/api/schema), never repeated here.
const kinds = () => state.schema["x-kind-table"];
const takesNoise = (kind) => kinds()[kind]?.input === "noise-or-image";
const kindFor = (input) => Object.keys(kinds()).find((name) => kinds()[name].input === input);

function buildKinds() {
  const names = Object.keys(kinds());
  $("kind").replaceChildren(...names.map((name) => el("option", { value: name, text: kinds()[name].label })));
  $("kind").value = kindFor("noise-or-image") || names[0];  // a first visit needs no file to start
}

function showKindFields() {
  const kind = $("kind").value;
  buildFormats();
  const used = new Set(state.schema["x-kinds"][kind] || []);
  for (const field of document.querySelectorAll("[data-field]")) field.hidden = !used.has(field.dataset.field);
  const noise = $("input").querySelector('option[value="noise"]');
  if (noise) noise.disabled = !takesNoise(kind);
  if (!takesNoise(kind) && $("input").value === "noise") {
    const file = [...$("input").options].find((o) => o.value !== "noise" && matchesKind(o.value, kind));
    $("input").value = file ? file.value : "";
  }
}

// Which files a kind takes, and which files may be uploaded: the server's lists (media/inputs), by suffix.
const suffixOf = (path) => (/\.[^./]+$/.exec(path.toLowerCase()) || [""])[0];
const matchesKind = (path, kind) => (kinds()[kind]?.accepts || []).includes(suffixOf(path));
const uploadable = () => [...new Set(Object.values(state.schema["x-inputs"]).flat())];

// ------------------------------------------------------------------ output format and codec (the formats table)

const formats = (suffix) => state.schema["x-formats"].filter((f) => f.suffix === suffix && !f.sequence);
const hasCodec = () => "codec" in state.schema.properties && (state.schema["x-kinds"][$("kind").value] || []).includes("codec");

function buildFormats() {
  // The kind's outputs (its default first); a suffix the formats table knows is labelled with its default's name.
  const kind = $("kind").value, current = $("format").value;
  const outputs = kinds()[kind]?.outputs || [];
  $("format").replaceChildren(...outputs.map((suffix) => {
    const main = formats(suffix).find((f) => f.default);
    return el("option", { value: suffix, text: main && main.name !== suffix ? `${suffix} (${main.codec})` : suffix });
  }));
  if (outputs.includes(current)) $("format").value = current;
  showCodecs();
}

function showCodecs() {
  // The codec select lists the chosen container's codecs, and only where the schema has the `codec` setting.
  const codecs = formats($("format").value), select = $("f-codec"), before = select.value;
  const shown = hasCodec() && codecs.length > 1;
  const main = codecs.find((f) => f.default);
  select.replaceChildren(el("option", { value: "", text: main ? `default (${main.codec})` : "default" }),
                         ...codecs.map((f) => el("option", { value: f.codec, text: f.codec })));
  select.value = shown && codecs.some((f) => f.codec === before) ? before : "";
  if (shown) select.dataset.kind = "enum"; else delete select.dataset.kind;  // read with the settings only when shown
  $("codec-field").hidden = !shown;
  const chosen = codecs.find((f) => f.codec === select.value) || main;
  $("format-help").textContent = chosen ? `${chosen.purpose}. Plays in browsers: ${chosen.browser ? "yes" : "no"}; `
    + `audio: ${chosen.audio || "none"}${chosen.loops ? "; loops by itself" : ""}.` : "";
  $("output").placeholder = `automatic: renders/${$("kind").value}-TIME${$("format").value}`;
}

function chooseFormat() {
  // A typed name follows the chosen format's suffix.
  const name = $("output").value.trim();
  if (name && suffixOf(name)) $("output").value = name.slice(0, -suffixOf(name).length) + $("format").value;
  showCodecs();
}

function typeOutput() {
  // A typed suffix the kind can write chooses the format.
  const suffix = suffixOf($("output").value.trim());
  if ([...$("format").options].some((o) => o.value === suffix) && $("format").value !== suffix) {
    $("format").value = suffix;
    showCodecs();
  }
}

function fillForm(settings) {
  // Defaults first, then the given settings (a preset's or a sidecar's).
  const props = state.schema.properties;
  const values = {};
  for (const [name, prop] of Object.entries(props)) values[name] = prop.default;
  Object.assign(values, settings || {});
  for (const [name, value] of Object.entries(values)) {
    const input = $(`f-${name}`);
    if (!input) continue;
    if (input.dataset.kind === "bool") input.checked = !!value;
    else if (input.dataset.kind === "enum") input.value = value ?? "";
    else if (name === "size" && Array.isArray(value)) input.value = value.join("x");
    else input.value = asText(value);
  }
  state.base = values;
}

function readForm() {
  const settings = {};
  for (const input of document.querySelectorAll("#render-form [data-kind]")) {
    const name = input.name;
    if (input.dataset.kind === "bool") settings[name] = input.checked;
    else if (input.value.trim() === "") continue;
    else if (input.dataset.kind === "number") settings[name] = Number(input.value);
    else settings[name] = maybeJson(input.value.trim());
  }
  return settings;
}

function maybeJson(text) {
  // {"0": ["block5"], "60": ["block10"]}: keyframes as the gallery's Edit writes them; else the text itself.
  if (!text.startsWith("{")) return text;
  try { return JSON.parse(text); } catch (error) { return text; }
}

function request(extra = {}) {
  const input = $("input").value || "";
  return { kind: $("kind").value, input: input || "noise", settings: { ...readForm(), ...extra } };
}

function clearErrors() {
  for (const node of document.querySelectorAll("[data-error-for]")) node.textContent = "";
  for (const node of document.querySelectorAll(".field.invalid")) node.classList.remove("invalid");
  $("form-error").textContent = "";
}

function showErrors(error) {
  // Each problem beside its field, in the CLI's words (--octave-scale: ...); the rest under the buttons.
  const problems = (error.body && error.body.errors) || [];
  let placed = 0;
  for (const problem of problems) {
    const spot = document.querySelector(`[data-error-for="${CSS.escape(problem.field)}"]`);
    if (!spot) continue;
    spot.textContent = `${problem.flag || problem.field}: ${problem.message}`;
    const field = spot.closest(".field");
    if (field) { field.classList.add("invalid"); if (field.closest("details")) $("more").open = true; }
    placed += 1;
  }
  $("form-error").textContent = placed === problems.length && placed ? "" : error.message;
}

// ------------------------------------------------------------------ inputs, presets, preview, render

async function loadInputs(select) {
  const files = await json("/api/files");
  const current = select || $("input").value;
  const noisy = Object.keys(kinds()).filter(takesNoise).join(", ");
  $("input").replaceChildren(el("option", { value: "noise", text: `noise (${noisy} only)` }),
                             ...files.map((f) => el("option", { value: f.path, text: f.path })));
  if (current && [...$("input").options].some((o) => o.value === current)) $("input").value = current;
  showKindFields();
}

async function upload(event) {
  const file = event.target.files[0];
  if (!file) return;
  clearErrors();
  say(`uploading ${file.name}…`);
  try {
    const body = await json(`/api/uploads?name=${encodeURIComponent(file.name)}`, { method: "POST", body: file });
    await loadInputs(body.path);
    const taker = Object.keys(kinds()).find((kind) => matchesKind(body.path, kind));
    if (!matchesKind(body.path, $("kind").value) && taker) { $("kind").value = taker; showKindFields(); }
    $("input").value = body.path;
    say("");
  } catch (error) { say(""); $("form-error").textContent = error.message; }
  event.target.value = "";
}

function choosePreset() {
  const preset = state.presets.find((p) => p.name === $("preset").value);
  $("preset-help").textContent = preset ? preset.description : "";
  fillForm(preset ? preset.settings : {});
}

async function preview() {
  clearErrors();
  const button = $("preview-button");
  button.disabled = true;
  $("preview-note").textContent = "dreaming the first frame…";
  const started = performance.now();
  try {
    const blob = await (await post("/api/preview", request())).blob();
    const image = $("preview-image");
    if (image.src) URL.revokeObjectURL(image.src);
    image.src = URL.createObjectURL(blob);
    image.hidden = false;
    $("preview-note").textContent = `first frame, ${((performance.now() - started) / 1000).toFixed(1)} s`;
  } catch (error) {
    $("preview-note").textContent = "no preview";
    showErrors(error);
  } finally { button.disabled = false; }
}

async function submit(extra = {}, body = null) {
  clearErrors();
  const job = body || { ...request(extra), output: $("output").value.trim() || null, suffix: $("format").value || null,
                        replace: $("replace").checked };
  try {
    const made = await (await post("/api/jobs", job)).json();
    say("");
    $("output").value = "";
    return made;
  } catch (error) { if (body) say(error.message); else showErrors(error); }
  return null;
}

// ------------------------------------------------------------------ jobs (live over server-sent events)

function jobFacts(job) {
  const parts = [];
  if (job.frames_total) parts.push(`${job.frames_done}/${job.frames_total} frames`);
  else if (job.frames_done) parts.push(`${job.frames_done} frames`);
  if (job.s_per_frame) parts.push(`${job.s_per_frame} s/frame`);
  if (job.eta_s != null && job.state === "running") parts.push(`ETA ${Math.round(job.eta_s)} s`);
  return parts.join(" · ");
}

function jobItem(job) {
  const meter = el("div");
  meter.style.width = `${job.frames_total ? Math.min(100, 100 * job.frames_done / job.frames_total) : 0}%`;
  const buttons = [];
  if (job.state === "done") buttons.push(el("a", { href: fileUrl(job.output), target: "_blank", text: "open" }));
  if (job.state === "queued" || job.state === "running")
    buttons.push(el("button", { type: "button", text: "Cancel", onclick: () => api(`/api/jobs/${job.id}`, { method: "DELETE" }).catch((e) => say(e.message)) }));
  if (job.state === "cancelled" || job.state === "failed")
    buttons.push(el("button", { type: "button", text: "Resume", onclick: () => api(`/api/jobs/${job.id}/resume`, { method: "POST" }).catch((e) => say(e.message)) }));
  const item = el("li", { class: "job", "data-job": job.id, "data-state": job.state },
    el("span", { class: "name", text: `${job.kind} → ${job.output}` }),
    el("span", {}, el("span", { class: `state ${job.state}`, text: job.state }), " ", buttons),
    el("div", { class: "meter" }, meter),
    el("span", { class: "facts", text: jobFacts(job) }),
    job.error ? el("p", { class: "error", text: job.error }) : null);
  if (job.state === "running" && job.latest != null)
    item.append(el("img", { class: "live", alt: `frame ${job.latest}`, src: `/api/jobs/${job.id}/frame?n=${job.latest}` }));
  return item;
}

function showJobs(jobs) {
  state.jobs = jobs;
  $("jobs").replaceChildren(...(jobs.length ? jobs.map(jobItem) : [el("li", { class: "empty", text: "No jobs yet." })]));
  const finished = jobs.filter((j) => j.state === "done" && !state.doneSeen.has(j.id));
  finished.forEach((j) => state.doneSeen.add(j.id));
  if (finished.length) loadRenders();
}

function listen() {
  const events = new EventSource("/api/events");  // named events: the list on connect, then one job at a time
  events.addEventListener("jobs", (event) => { say(""); showJobs(JSON.parse(event.data)); });
  events.addEventListener("job", (event) => {
    const job = JSON.parse(event.data);
    showJobs([job, ...state.jobs.filter((j) => j.id !== job.id)].sort((a, b) => b.created - a.created));
  });
  events.addEventListener("renders", () => loadRenders());
  events.onerror = () => say("connection to the studio lost; retrying…");
}

// ------------------------------------------------------------------ gallery and compare

const fileUrl = (path) => `/files/${path.split("/").map(encodeURIComponent).join("/")}`;

function media(render, controls) {
  // As the server says (the formats table): a video, an animated image (it loops by itself), or, where browsers
  // cannot play the file (MOV ProRes/HAP/DNxHR, an image sequence), its poster frame and a download link.
  const src = fileUrl(render.path) + `?v=${Math.round(render.modified)}`;
  if (render.play === "video")
    return el("video", { src, controls, muted: true, loop: true, playsinline: true, preload: "metadata" });
  if (render.play === "image") return el("img", { src, alt: render.path, loading: "lazy" });
  const name = render.path.split("/").pop(), frames = render.format === "image sequence" ? `${render.frames} frames, ` : "";
  return el("div", { class: "poster" },
    render.poster ? el("img", { src: `${render.poster}${render.poster.includes("?") ? "&" : "?"}v=${Math.round(render.modified)}`,
                                alt: `first frame of ${name}` }) : null,
    el("a", { class: "download", href: render.download, download: true,
              text: `download ${render.format} (${frames}${megabytes(render.bytes)})` }));
}

const megabytes = (bytes) => bytes < 1e5 ? `${Math.max(1, Math.round(bytes / 1e3))} KB` : `${(bytes / 1e6).toFixed(1)} MB`;

function facts(render) {
  const size = Array.isArray(render.size) ? render.size.join("x") : render.size;
  const parts = [render.kind, size && `${size} px`, render.kind !== "still" && render.frames && `${render.frames} frames`,
                 render.duration_s && `${render.duration_s} s`, render.format,
                 render.flicker_ratio != null && `flicker ${render.flicker_ratio}`,
                 render.strength != null && `strength ${render.strength}`,
                 new Date(render.modified * 1000).toLocaleString()];
  return parts.filter(Boolean).join(" · ");
}

function edit(render) {
  $("kind").value = render.kind;
  showKindFields();
  if ([...$("format").options].some((o) => o.value === suffixOf(render.path))) $("format").value = suffixOf(render.path);
  showCodecs();  // its codec's option exists before its settings are filled in
  $("preset").value = "";
  $("preset-help").textContent = `settings of ${render.path}`;
  fillForm(render.settings);
  if (render.input) $("input").value = render.input;
  showKindFields();
  $("new").scrollIntoView({ behavior: "smooth" });
}

function again(render) {
  submit({}, { kind: render.kind, input: render.input || "noise", settings: render.settings });
}

function card(render) {
  const pick = el("input", { type: "checkbox", checked: state.selected.has(render.path),
    onchange: (e) => { e.target.checked ? state.selected.add(render.path) : state.selected.delete(render.path);
                       e.target.closest(".card").classList.toggle("selected", e.target.checked); updateCompare(); } });
  return el("article", { class: `card${state.selected.has(render.path) ? " selected" : ""}`, "data-render": render.path },
    el("div", { class: "media" }, media(render, true)),
    el("div", { class: "info" }, el("b", { text: render.path }), el("br"), facts(render)),
    el("div", { class: "actions" },
      el("button", { type: "button", text: "Edit", onclick: () => edit(render) }),
      el("button", { type: "button", text: "Render again", disabled: !render.input,
                     title: render.input ? null : "its input is no longer in the folder", onclick: () => again(render) }),
      el("label", {}, pick, "compare")));
}

async function loadRenders() {
  state.renders = (await json("/api/renders?limit=200")).renders;
  const paths = new Set(state.renders.map((r) => r.path));
  for (const path of [...state.selected]) if (!paths.has(path)) state.selected.delete(path);
  $("gallery").replaceChildren(...(state.renders.length ? state.renders.map(card)
    : [el("p", { class: "empty", text: "No renders in this folder yet." })]));
  updateCompare();
}

function updateCompare() { $("compare-button").disabled = state.selected.size < 2; }

function differing(renders) {
  const names = [...new Set(renders.flatMap((r) => Object.keys(r.settings)))].sort();
  return names.filter((name) => new Set(renders.map((r) => JSON.stringify(r.settings[name] ?? null))).size > 1);
}

function compare() {
  const chosen = state.renders.filter((r) => state.selected.has(r.path));
  $("compare").replaceChildren(...chosen.map((r) => el("figure", {}, media(r, false), el("figcaption", { text: r.path }))));
  const names = differing(chosen);
  $("diff").replaceChildren(
    el("tr", {}, el("th", { text: "setting" }), chosen.map((r) => el("th", { text: r.path }))),
    ...(names.length ? names.map((name) => el("tr", {}, el("td", { text: name }),
                                               chosen.map((r) => el("td", { text: asText(r.settings[name]) || "(default)" }))))
      : [el("tr", {}, el("td", { text: "The settings are the same." }))]));
  $("compare-panel").hidden = false;
  syncVideos();
  $("compare-panel").scrollIntoView({ behavior: "smooth" });
}

function syncVideos() {
  // One clock for all: the first video leads; play, pause and seeks follow it, and drift is corrected.
  const videos = [...$("compare").querySelectorAll("video")];
  if (!videos.length) return;
  const [lead, ...rest] = videos;
  lead.controls = true;
  lead.addEventListener("play", () => rest.forEach((v) => { v.currentTime = lead.currentTime; v.play(); }));
  lead.addEventListener("pause", () => rest.forEach((v) => v.pause()));
  lead.addEventListener("seeked", () => rest.forEach((v) => { v.currentTime = lead.currentTime; }));
  lead.addEventListener("timeupdate", () => rest.forEach((v) => {
    if (Math.abs(v.currentTime - lead.currentTime) > 0.1 && v.duration > lead.currentTime) v.currentTime = lead.currentTime;
  }));
}

function playAll() {
  const videos = [...$("compare").querySelectorAll("video")];
  videos.forEach((v) => { v.currentTime = 0; });
  if (videos[0]) videos[0].play();
  for (const img of $("compare").querySelectorAll("img")) img.src = img.src.replace(/&r=\d+$/, "") + `&r=${Date.now()}`;
}

// ------------------------------------------------------------------ start

async function start() {
  try {
    [state.schema, state.presets] = await Promise.all([json("/api/schema"), json("/api/presets")]);
  } catch (error) { say(error.message); return; }
  for (const p of state.presets)
    $("preset").append(el("option", { value: p.name, text: p.name, disabled: !p.settings }));
  buildKinds();
  buildForm();
  fillForm({});
  await loadInputs();
  $("kind").addEventListener("change", showKindFields);
  $("format").addEventListener("change", chooseFormat);
  $("f-codec").addEventListener("change", showCodecs);
  $("output").addEventListener("input", typeOutput);
  $("upload").accept = uploadable().join(",");
  $("preset").addEventListener("change", choosePreset);
  $("upload").addEventListener("change", upload);
  $("preview-button").addEventListener("click", preview);
  $("motion-button").addEventListener("click", () => submit({ preview: true }));
  $("render-form").addEventListener("submit", (e) => { e.preventDefault(); submit(); });
  $("compare-button").addEventListener("click", compare);
  $("close-compare").addEventListener("click", () => { $("compare-panel").hidden = true; });
  $("play-all").addEventListener("click", playAll);
  showJobs(await json("/api/jobs"));
  await loadRenders();
  listen();
  document.body.dataset.ready = "yes";
}

window.addEventListener("error", (event) => say(`page error: ${event.message}`));
start();
