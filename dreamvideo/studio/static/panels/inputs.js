// The input: pick a file in the folder, upload one, or drop pictures, clips, music, render cards or sidecars
// anywhere on the page.
import { $, el, hasOption, json, on, say, state, suffixOf } from "/static/lib.js";
import { clearErrors, matchesKind, showKindFields, takesNoise } from "/static/panels/form.js";
import { setValue } from "/static/panels/fields.js";
import { settingsFrom } from "/static/panels/recall.js";

export const RENDER_TYPE = "text/x-dreamvideo-render";  // what a dragged gallery card carries
const SIDECARS = [".yaml", ".yml"];
const uploadable = () => [...new Set(Object.values(state.schema["x-inputs"]).flat())];
const isAudio = (path) => (state.schema["x-inputs"].audio || []).includes(suffixOf(path));

export async function loadInputs(select) {
  const files = await json("/api/files");
  const current = select || $("input").value;
  const noisy = Object.keys(state.schema["x-kind-table"]).filter(takesNoise).join(", ");
  $("input").replaceChildren(el("option", { value: "noise", text: `noise (${noisy} only)` }),
                             ...files.filter((f) => !isAudio(f.path)).map((f) => el("option", { value: f.path, text: f.path })));
  if (current && hasOption($("input"), current)) $("input").value = current;
  $("audio-files").replaceChildren(...files.filter((f) => isAudio(f.path)).map((f) => el("option", { value: f.path })));
  fitInput();
}

function fitInput() {
  // Noise only for kinds that take it; a file the kind cannot read is swapped for one it can.
  const kind = $("kind").value, input = $("input");
  const noise = input.querySelector('option[value="noise"]');
  if (noise) noise.disabled = !takesNoise(kind);
  const fits = (o) => !o.disabled && (o.value === "noise" || matchesKind(o.value, kind));
  if (!input.selectedOptions[0] || !fits(input.selectedOptions[0])) {
    const file = [...input.options].find(fits);
    input.value = file ? file.value : "";
  }
}

function pickInput() {
  // A file the kind cannot read picks a kind that can (a clip: video).
  const path = $("input").value;
  if (!path || path === "noise" || matchesKind(path, $("kind").value)) return;
  const taker = Object.keys(state.schema["x-kind-table"]).find((k) => matchesKind(path, k));
  if (taker) { $("kind").value = taker; showKindFields(); }
}

export async function upload(file) {
  clearErrors();
  say(`uploading ${file.name}…`);
  try {
    const body = await json(`/api/uploads?name=${encodeURIComponent(file.name)}`, { method: "POST", body: file });
    say("");
    return body.path;
  } catch (error) {
    say("");
    document.querySelector('[data-error-for="input"]').textContent = `Input: ${error.message}`;
    return null;
  }
}

export async function useFile(path) {
  // A picture or clip becomes the input (the kind follows it if it must); music becomes the soundtrack.
  await loadInputs(isAudio(path) ? null : path);
  if (isAudio(path)) { setValue("audio", path); return; }
  $("input").value = path;
  pickInput();
}

async function dropped(event) {
  event.preventDefault();
  document.body.classList.remove("dropping");
  const render = event.dataTransfer.getData(RENDER_TYPE);
  if (render) return settingsFrom(render);
  for (const file of event.dataTransfer.files) {
    if (SIDECARS.includes(suffixOf(file.name))) { await settingsFrom(file); continue; }
    if (!uploadable().includes(suffixOf(file.name))) {
      document.querySelector('[data-error-for="input"]').textContent =
        `Input: ${file.name} is not a picture, clip or music file the studio reads`;
      continue;
    }
    const path = await upload(file);
    if (path) await useFile(path);
  }
}

function dragging(event) {
  const types = [...event.dataTransfer.types];
  if (!types.includes("Files") && !types.includes(RENDER_TYPE)) return;
  event.preventDefault();
  document.body.classList.add("dropping");
}

export function mountInputs() {
  $("upload").accept = [...uploadable(), ...SIDECARS].join(",");
  $("upload").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    if (SIDECARS.includes(suffixOf(file.name))) return settingsFrom(file);
    const path = await upload(file);
    if (path) await useFile(path);
  });
  document.addEventListener("dragover", dragging);
  document.addEventListener("dragleave", (e) => { if (!e.relatedTarget) document.body.classList.remove("dropping"); });
  document.addEventListener("drop", dropped);
  on("kind", fitInput);
  $("input").addEventListener("change", pickInput);
  on("reconnected", () => loadInputs());
  $("f-audio")?.setAttribute("list", "audio-files");
}
