// The Live panel: a live dream's stream, start/stop, its controls and figures (GET /api/live and friends).
// Self-mounting (index.html loads it beside main.js): it fills <details id="live"> when the server says live is
// available, with lib.js's DOM and API helpers (a 401 goes through its lost-token path, as in every panel). Folded
// away unless a session runs (as under `live --serve`); it opens when one starts, and shows no picture while stopped.
import { el, human, json, post, session } from "/static/lib.js";

const root = document.getElementById("live");
const CONTROLS = [  // [name, label, min, max, step]; layers is a select of the model's layers
  ["step_size", "Step size", 0.005, 0.3, 0.005],
  ["octaves", "Octaves", 1, 8, 1],
  ["pull", "Pull", 0, 1, 0.05],
  ["dive_zoom", "Dive zoom", 1, 1.1, 0.005],
];
let view, idle, picker, startButton, stopButton, layerSelect, statsLine, errorLine, streaming = false;
const inputs = {};

// The figures as a person reads them; a missing one shows as a dash.
const rounded = (n) => (n == null ? "–" : human(n));

function mount(state) {
  view = el("img", {id: "live-view", alt: "the live dream", hidden: true});
  idle = el("p", {id: "live-idle", class: "live-idle"}, "Stopped. Pick a source and press Start to dream it live.");
  picker = el("select", {id: "live-source", "aria-label": "Live source"});
  startButton = el("button", {type: "button", id: "live-start", onclick: start}, "Start");
  stopButton = el("button", {type: "button", id: "live-stop", onclick: stop}, "Stop");
  layerSelect = el("select", {id: "live-layers", onchange: () => change("layers", layerSelect.value)},
    ...state.layers.map((name) => el("option", {value: name}, name)));
  const fields = [el("label", {}, "Layer", layerSelect)];
  for (const [name, label, min, max, step] of CONTROLS) {
    const input = el("input", {id: `live-${name}`, type: name === "octaves" ? "number" : "range", min, max, step});
    const shown = el("output", {id: `live-${name}-value`, hidden: name === "octaves"});
    input.addEventListener("input", () => { shown.textContent = input.value; });
    input.addEventListener("change", () => change(name, Number(input.value)));
    inputs[name] = [input, shown];
    fields.push(el("label", {}, label, el("span", {class: "live-slider"}, input, shown)));
  }
  statsLine = el("p", {id: "live-stats", class: "help", role: "status"});
  errorLine = el("p", {id: "live-error", class: "error"});
  root.replaceChildren(el("summary", {}, el("h2", {}, "Live")), view, idle,
    el("div", {class: "row"}, el("label", {class: "grow"}, "Source", picker), startButton, stopButton),
    el("div", {class: "live-controls"}, ...fields), statsLine, errorLine);
  root.open = state.running;
  if (state.running) root.closest(".column").prepend(root);  // a session already running (live --serve) comes first
  root.hidden = false;
}

let listed = "";

function fillSources(state) {
  const sources = [["test", "test pattern"], ["0", "camera 0"], ...state.clips.map((clip) => [clip, clip])];
  if (JSON.stringify(sources) === listed) return;  // unchanged: an open list stays open
  listed = JSON.stringify(sources);
  const chosen = picker.value || state.source || "test";
  picker.replaceChildren(...sources.map(([value, label]) => el("option", {value}, label)));
  picker.value = sources.some(([value]) => value === chosen) ? chosen : "test";
}

function show(state) {
  const busy = document.activeElement;
  const layers = Array.isArray(state.controls.layers) ? state.controls.layers[0] : state.controls.layers;
  if (busy !== layerSelect) layerSelect.value = layers;
  for (const [name, [input, shown]] of Object.entries(inputs)) {
    if (busy !== input) input.value = state.controls[name];
    shown.textContent = state.controls[name];
  }
  const s = state.stats;
  const [shown, dreamed, p95, dropped] = [s.shown_fps, s.dream_rate, s.p95_ms, s.dropped].map(rounded);
  statsLine.textContent = state.running
    ? `${state.source}: shown ${shown} fps, dreamed ${dreamed} a second, 95% within ${p95} ms, dropped ${dropped}%`
    : "stopped" + (s.shown_fps ? ` (last run: shown ${shown} fps, dreamed ${dreamed} a second)` : "");
  if (state.error) errorLine.textContent = state.error;
  startButton.disabled = state.running;
  stopButton.disabled = !state.running;
  if (state.running !== streaming) {  // a new stream for each session: the old one ended with its session
    streaming = state.running;
    if (streaming) view.src = `/api/live/stream?session=${Date.now()}`;
    else view.removeAttribute("src");
    view.hidden = !streaming;
    idle.hidden = streaming;
    if (streaming) root.open = true;
  }
}

async function act(path, body) {
  errorLine.textContent = "";
  try {
    show(await (await post(path, body)).json());
  } catch (error) {
    errorLine.textContent = error.message;
  }
}

function start() {
  startButton.disabled = true;
  statsLine.textContent = "starting…";
  return act("/api/live/start", {source: picker.value});
}

const stop = () => act("/api/live/stop", {});
const change = (name, value) => act("/api/live/controls", {[name]: value});

async function poll() {
  try {
    const state = await json("/api/live");
    fillSources(state);
    show(state);
  } catch (error) {
    errorLine.textContent = error.message;
  }
  if (!session.lost) setTimeout(poll, 1000);  // 401: the page says what to do (lib.js)
}

async function main() {
  if (!root) return;
  let state;
  try {
    state = await json("/api/live");
  } catch {
    return;  // no live here (or not signed in): the panel stays hidden
  }
  if (!state.available) return;
  mount(state);
  fillSources(state);
  show(state);
  setTimeout(poll, 1000);
}

main();
