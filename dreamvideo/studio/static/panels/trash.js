// Delete moves a render into the folder's trash (.studio/trash), never away for good: Undo at once, or
// restore it later from the Trash view. Without the trash endpoints, no Delete is offered.
import { $, del, el, emit, optional, post } from "/static/lib.js";
import { words } from "/static/panels/form.js";

let available = false;
const encoded = (path) => path.split("/").map(encodeURIComponent).join("/");
const itemsOf = (data) => (Array.isArray(data) ? data : (data && (data.trash || data.items)) || []);

export const canTrash = () => available;

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
  const spot = el("p", { class: "error" });
  const id = item.id ?? item.trash_id;
  const when = item.deleted ? new Date(item.deleted * 1000).toLocaleString() : "";
  return el("li", { class: "trashed", "data-trash": id },
    el("span", { class: "name", text: item.path || (item.paths || [id])[0] }), el("span", { class: "help", text: when }),
    el("button", { type: "button", text: "Restore", onclick: () => restore(id, spot) }), spot);
}

async function showTrash() {
  const items = itemsOf(await optional("/api/trash"));
  $("trash-list").replaceChildren(...(items.length ? items.map(trashItem)
    : [el("li", { class: "empty", text: "The trash is empty." })]));
  $("trash-panel").hidden = false;
}

export async function mountTrash() {
  try { available = (await optional("/api/trash")) !== null; } catch (error) { available = false; }
  $("trash-button").hidden = !available;
  $("trash-button").addEventListener("click", () => {
    if ($("trash-panel").hidden) showTrash(); else $("trash-panel").hidden = true;
  });
}
