// Jobs, live over server-sent events: `jobs` (the whole list, on connect), `job` (one job changed),
// `renders` (the gallery changed). Each card is updated in place; its bar never goes backwards.
import { $, api, el, emit, fileUrl, human, json, say, session } from "/static/lib.js";
import { words } from "/static/panels/form.js";

const SHOWN = 6;  // the newest jobs; the rest behind "Show all"
const best = new Map();  // job id -> the most frames seen done: a bar never goes backwards
const states = new Map();  // job id -> last state seen, to tell when one finishes
let first = true, showAll = false, retry = null;

export function facts(job) {
  // {done, total, rate (s/frame over the whole render), elapsed, eta} as the server sends them.
  const { total, rate, eta, elapsed } = job;
  const done = Math.max(best.get(job.id) || 0, job.done);
  best.set(job.id, done);
  const parts = [total ? `${done}/${total} frames` : done ? `${done} frames` : ""];
  if (rate) parts.push(`${human(rate, "s")}/frame`);
  if (job.state === "running" && eta != null) parts.push(`about ${human(eta, "s")} left`);
  if (job.state === "done" && elapsed) parts.push(`took ${human(elapsed, "s")}`);
  return { text: parts.filter(Boolean).join(" · "), share: job.state === "done" ? 1 : total ? done / total : 0 };
}

function buttons(job) {
  const act = (text, path, method) => el("button", { type: "button", text, onclick: (e) =>
    api(path, { method }).catch((error) => { e.target.closest(".job").querySelector(".error").textContent = words(error.message); }) });
  if (job.state === "done") return [el("a", { href: fileUrl(job.output), target: "_blank", text: "open" })];
  if (job.state === "queued" || job.state === "running") return [act("Cancel", `/api/jobs/${job.id}`, "DELETE")];
  return [act("Resume", `/api/jobs/${job.id}/resume`, "POST")];
}

function card(job) {
  return el("li", { class: "job", "data-job": job.id },
    el("span", { class: "name" }), el("span", { class: "side" }),
    el("div", { class: "meter" }, el("div")), el("span", { class: "facts" }), el("p", { class: "error" }));
}

function update(item, job) {
  const { text, share } = facts(job);
  item.dataset.state = job.state;
  item.classList.toggle("preview", job.preview);
  item.querySelector(".name").textContent = `${job.title} → ${job.output}`;
  item.querySelector(".side").replaceChildren(el("span", { class: `state ${job.state}`, text: job.state }), " ",
                                              ...buttons(job));
  const bar = item.querySelector(".meter div");
  bar.style.width = `${Math.max(parseFloat(bar.style.width) || 0, 100 * Math.min(1, share))}%`;
  item.querySelector(".facts").textContent = text;
  item.querySelector(".error").textContent = job.error ? words(job.error).replace(/run the same command again/,
                                                                                      "press Resume") : "";
  liveFrame(item, job);
}

function liveFrame(item, job) {
  // The latest finished frame while it runs (the image is replaced only when a new frame is there).
  let img = item.querySelector("img.live");
  if (job.state !== "running" || job.latest == null) { img?.remove(); return; }
  const src = `/api/jobs/${job.id}/frame?n=${job.latest}`;
  if (!img) { img = el("img", { class: "live", alt: "the latest frame" }); item.append(img); }
  if (img.getAttribute("src") !== src) img.setAttribute("src", src);
}

export function showJob(job) {
  let item = $("jobs").querySelector(`[data-job="${CSS.escape(job.id)}"]`);
  if (!item) {
    item = card(job);
    $("jobs").prepend(item);
    $("jobs").querySelector(".empty")?.remove();
  }
  update(item, job);
  const before = states.get(job.id);
  states.set(job.id, job.state);
  if (!first && before && before !== "done" && job.state === "done") emit("finished", job);
  emit("job", job);
  collapse();
}

export function showJobs(jobs) {
  // The whole list (on connect): newest first.
  const ids = new Set(jobs.map((j) => j.id));
  for (const item of [...$("jobs").querySelectorAll(".job")]) if (!ids.has(item.dataset.job)) item.remove();
  for (const job of [...jobs].reverse()) showJob(job);
  if (!jobs.length) $("jobs").replaceChildren(el("li", { class: "empty", text: "No jobs yet." }));
  first = false;
}

function collapse() {
  const items = [...$("jobs").querySelectorAll(".job")];
  items.forEach((item, i) => { item.hidden = !showAll && i >= SHOWN; });
  $("jobs-more").hidden = items.length <= SHOWN;
  $("jobs-more").textContent = showAll ? "Show fewer" : `Show all ${items.length}`;
}

function listen() {
  const events = new EventSource("/api/events");
  events.addEventListener("jobs", (e) => showJobs(JSON.parse(e.data)));
  events.addEventListener("job", (e) => showJob(JSON.parse(e.data)));
  events.addEventListener("renders", () => emit("renders"));
  events.onopen = () => {
    if (!retry) return;
    retry = null;
    say("");
    emit("reconnected");
  };
  events.onerror = () => lost(events);
}

async function lost(events) {
  // The browser retries by itself while the server is away; a refused stream (a new token) is asked why.
  retry = retry || Date.now();
  if (events.readyState !== EventSource.CLOSED) { say("the studio is not answering; reconnecting…"); return; }
  try {
    await json("/api/jobs");
    listen();  // it answers again: a fresh stream
  } catch (error) {
    if (session.lost) return;  // 401: the page says what to do (lib.js)
    say("the studio is not answering; reconnecting…");
    setTimeout(() => lost(events), 2000);
  }
}

export async function mountJobs() {
  $("jobs-more").addEventListener("click", () => { showAll = !showAll; collapse(); });
  showJobs(await json("/api/jobs"));
  first = true;  // the stream's first list is the same jobs: nothing finished in between
  listen();
}
