// Delete moves a render into the folder's trash (.studio/trash), never away for good: Undo at once, or
// restore it later from the Trash view.
import { $, del, el, emit, json, post } from "/static/lib.js";
import { words } from "/static/panels/form.js";

const encoded = (path) => path.split("/").map(encodeURIComponent).join("/");

function toast(text, undo) {
  const box = $("toast");
  box.replaceChildren(el("span", { text }), undo ? el("button", { type: "button", id: "undo", text: "Undo",
    onclick: () => { box.hidden = true; undo(); } }) : null);
  box.hidden = false;
  clearTimeout(box.timer);
  box.timer = setTimeout(() => { box.hidden = true; }, 10_000);
}

export async function moveToTrash(render, card) {
  const error = card.querySelector(".error");
  error.textContent = "";
  try {
    const answer = await (await del(`/api/renders/${encoded(render.path)}`)).json();
    card.remove();
    emit("renders");
    toast(`${render.path} moved to the trash.`, () => restore(answer.trash_id));
  } catch (e) { error.textContent = words(e.message); }
}

async function restore(id, spot = null) {
  try {
    await post(`/api/trash/${encodeURIComponent(id)}/restore`, {});
    emit("renders");
    if (!$("trash-panel").hidden) await showTrash();
    toast("restored.");
  } catch (e) {
    if (spot) spot.textContent = words(e.message); else toast(words(e.message));
  }
}

function trashItem(item) {
  // {id, path, files, deleted (seconds since 1970)} as GET /api/trash lists them.
  const spot = el("p", { class: "error" });
  return el("li", { class: "trashed", "data-trash": item.id },
    el("span", { class: "name", text: item.path }),
    el("span", { class: "help", text: new Date(item.deleted * 1000).toLocaleString() }),
    el("button", { type: "button", text: "Restore", onclick: () => restore(item.id, spot) }), spot);
}

async function showTrash() {
  const items = await json("/api/trash");
  $("trash-list").replaceChildren(...(items.length ? items.map(trashItem)
    : [el("li", { class: "empty", text: "The trash is empty." })]));
  $("trash-panel").hidden = false;
}

export function mountTrash() {
  $("trash-button").addEventListener("click", () => {
    if ($("trash-panel").hidden) showTrash(); else $("trash-panel").hidden = true;
  });
}
