// Compare renders side by side on one clock, with a table of the settings that differ: plain labels, "n/a"
// where a setting does not apply to that render's kind, the default's value where a sidecar left one out.
import { $, el, kindFields, label, on, state } from "/static/lib.js";
import { asText, defaults } from "/static/panels/fields.js";
import { factsOf, media, selected } from "/static/panels/gallery.js";

function readable(value) {
  // Layer or objective keyframes {"0": ["block5"], "60": ["block10"]} as "0: block5 · 60: block10".
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length > 1 && Object.values(value).some((v) => typeof v === "string" || Array.isArray(v) &&
                                                     v.some((x) => typeof x === "string")))
      return keys.map((k) => `${k}: ${asText(value[k])}`).join(" · ");
  }
  return asText(value);
}

export function cell(render, name) {
  if (!kindFields(render.kind).includes(name)) return "n/a";
  const value = render.settings[name] ?? defaults()[name];
  if (value === null || value === undefined || value === "") return "automatic";
  return typeof value === "boolean" ? (value ? "on" : "off") : readable(value);
}

export function differing(renders) {
  const names = [...new Set(renders.flatMap((r) => Object.keys(r.settings || {})))]
    .filter((n) => n in state.schema.properties);
  // In the form's order: by settings group (Dream, Motion, ...), then as each group declares them.
  const props = state.schema.properties, order = Object.keys(props), groups = state.schema["x-groups"] || [];
  const rank = (n) => groups.indexOf(props[n]["x-group"]) * 1000 + order.indexOf(n);
  return names.filter((name) => new Set(renders.map((r) => cell(r, name))).size > 1).sort((a, b) => rank(a) - rank(b));
}

function compare() {
  const chosen = [...selected].map((path) => state.renders.find((r) => r.path === path)).filter(Boolean);  // as picked
  $("compare").replaceChildren(...chosen.map((r) => el("figure", {}, media(r, false),
                                                     el("figcaption", { text: r.path }))));
  const names = differing(chosen);
  $("diff").replaceChildren(
    el("tr", {}, el("th", { text: "setting" }), chosen.map((r) => el("th", { text: r.path }))),
    ...(names.length ? names.map((name) => el("tr", { "data-setting": name }, el("td", { text: label(name) }),
                                               chosen.map((r) => el("td", { text: cell(r, name) }))))
      : [el("tr", {}, el("td", { text: "The settings are the same." }))]),
    el("tr", { class: "facts" }, el("td", { text: "result" }), chosen.map((r) => el("td", { text: factsOf(r) }))));
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

export function mountCompare() {
  on("selection", () => { $("compare-button").disabled = selected.size < 2; });
  $("compare-button").addEventListener("click", compare);
  $("close-compare").addEventListener("click", () => { $("compare-panel").hidden = true; });
  $("play-all").addEventListener("click", playAll);
}
