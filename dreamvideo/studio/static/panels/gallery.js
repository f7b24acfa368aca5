// The gallery: the folder's renders, newest first, a page at a time; each plays, downloads, goes back into the
// form (Edit, or drag the card onto it), renders again, or moves to the trash (with Undo).
import { $, el, emit, fileUrl, human, json, on, post, state } from "/static/lib.js";
import { words } from "/static/panels/form.js";
import { RENDER_TYPE } from "/static/panels/inputs.js";
import { loadSettings } from "/static/panels/recall.js";
import { moveToTrash } from "/static/panels/trash.js";

const PAGE = 24;
export const selected = new Set();
let total = 0, shown = PAGE;

export function media(render, controls) {
  // As the server says (the formats table): a video, an animated image (it loops by itself), or, where browsers
  // cannot play the file (MOV ProRes/HAP/DNxHR, an image sequence), its poster frame and a download link.
  const v = `v=${Math.round(render.modified || 0)}`;
  const src = `${fileUrl(render.path)}?${v}`;
  if (render.play === "video")
    return el("video", { src, controls, muted: true, loop: true, playsinline: true, preload: "metadata" });
  if (render.play === "image") return el("img", { src, alt: render.path, loading: "lazy" });
  const name = render.path.split("/").pop();
  return el("div", { class: "poster" },
    render.poster ? el("img", { src: `${render.poster}${render.poster.includes("?") ? "&" : "?"}${v}`,
                                alt: `first frame of ${name}` }) : null,
    el("p", { class: "note", text: `${render.format}: plays in other apps, not in a browser` }));
}

export function factsOf(render) {
  // The server's figures, already rounded as a person says them (render.facts).
  const f = render.facts, size = Array.isArray(render.size) ? render.size.join("x") : render.size;
  const parts = [render.kind, size && `${size} px`, render.kind !== "still" && f.frames && `${f.frames} frames`,
    f.time && `took ${f.time}`, f.rate, render.format, f.flicker && `flicker ${f.flicker}`,
    render.strength != null && `strength ${human(render.strength)}`, f.size,
    new Date(render.modified * 1000).toLocaleString()];
  return parts.filter(Boolean).join(" · ");
}

function again(render, card) {
  const error = card.querySelector(".error");
  error.textContent = "";
  post("/api/jobs", { kind: render.kind, input: render.input || "noise", settings: render.settings })
    .catch((e) => { error.textContent = words(e.message); });
}

function actions(render, card) {
  const pick = el("input", { type: "checkbox", checked: selected.has(render.path), onchange: (e) => {
    if (e.target.checked) selected.add(render.path); else selected.delete(render.path);
    card.classList.toggle("selected", e.target.checked);
    emit("selection");
  } });
  return el("div", { class: "actions" },
    el("button", { type: "button", text: "Edit", title: "its settings back into the form", onclick: () =>
      loadSettings(render.kind, render.settings, { input: render.input, path: render.path,
                                                   note: `settings of ${render.path}` }) }),
    el("button", { type: "button", text: "Render again", disabled: !render.input,
                   title: render.input ? null : "its input is no longer in the folder", onclick: () => again(render, card) }),
    el("a", { class: "button download", href: render.download, download: true, text: "Download" }),
    el("button", { type: "button", class: "delete", text: "Delete", title: "move it to the trash",
                   onclick: () => moveToTrash(render, card) }),
    el("label", {}, pick, "compare"));
}

function card(render) {
  const preview = render.preview;
  const node = el("article", { class: `card${selected.has(render.path) ? " selected" : ""}${preview ? " preview" : ""}`,
                               "data-render": render.path, draggable: "true" });
  node.addEventListener("dragstart", (e) => {
    e.dataTransfer.setData(RENDER_TYPE, render.path);
    e.dataTransfer.effectAllowed = "copy";
  });
  node.append(el("div", { class: "media" }, media(render, true),
                 preview ? el("span", { class: "badge", text: "motion preview" }) : null),
              el("div", { class: "info" }, el("b", { text: render.path }), el("br"), factsOf(render)),
              actions(render, node), el("p", { class: "error" }));
  return node;
}

const fetchPage = (offset) => json(`/api/renders?offset=${offset}&limit=${PAGE}`);  // {renders, total}

export async function loadRenders() {
  const data = await fetchPage(0);
  const wanted = Math.max(shown, PAGE);
  state.renders = data.renders;
  total = data.total;
  while (state.renders.length < Math.min(wanted, total)) {  // keep what was shown before (Show more)
    const more = await fetchPage(state.renders.length);
    if (!more.renders.length) break;
    state.renders.push(...more.renders);
  }
  draw();
}

function draw() {
  const paths = new Set(state.renders.map((r) => r.path));
  for (const path of [...selected]) if (!paths.has(path)) selected.delete(path);
  const cards = state.renders.slice(0, shown).map(card);
  $("gallery").replaceChildren(...(cards.length ? cards : [el("p", { class: "empty", text: "No renders in this folder yet." })]));
  $("gallery-more").hidden = shown >= total;
  $("gallery-more").textContent = `Show more (${total - Math.min(shown, total)} older)`;
  emit("selection");
}

async function showMore() {
  shown += PAGE;
  if (state.renders.length < Math.min(shown, total)) {
    const more = await fetchPage(state.renders.length);
    state.renders.push(...more.renders);
  }
  draw();
}

let soon = null;
function reload() {
  // A finished job and the `renders` event arrive together: one reload for both.
  clearTimeout(soon);
  soon = setTimeout(() => loadRenders().catch(() => {}), 150);
}

export async function mountGallery() {
  $("gallery-more").addEventListener("click", showMore);
  for (const name of ["renders", "finished", "reconnected"]) on(name, reload);
  await loadRenders();
}
