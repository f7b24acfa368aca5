// A finished render while the tab is in the background: "(2) dreamvideo studio" in the title, and a system
// notification where the artist allowed them (asked once, at their first Render click).
import { $, on } from "/static/lib.js";

const TITLE = document.title;
let unseen = 0;

function badge() {
  document.title = unseen ? `(${unseen}) ${TITLE}` : TITLE;
}

function finished(job) {
  if (job.preview) return;
  if (document.visibilityState === "visible" && document.hasFocus()) return;
  unseen += 1;
  badge();
  if ("Notification" in window && Notification.permission === "granted") {
    const note = new Notification("Render finished", { body: job.title || job.output, tag: job.id });
    note.onclick = () => { window.focus(); note.close(); };
  }
}

function seen() {
  if (document.visibilityState !== "visible") return;
  unseen = 0;
  badge();
}

function ask() {
  if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
}

export function mountNotify() {
  on("finished", finished);
  document.addEventListener("visibilitychange", seen);
  window.addEventListener("focus", seen);
  $("render-button").addEventListener("click", ask, { once: true });
}

