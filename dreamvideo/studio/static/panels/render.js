// The three actions: Preview (the first frame, dreamed at 256 px), Motion preview (the move only, played in
// place when done), Render (a job).
import { $, el, fileUrl, on, post, say } from "/static/lib.js";
import { busy, clearErrors, request, showErrors } from "/static/panels/form.js";
import { seedFor } from "/static/panels/seeds.js";

let motionJob = null;

async function preview() {
  clearErrors();
  const button = $("preview-button");
  busy(button, true);
  $("preview-note").textContent = "dreaming the first frame…";
  const started = performance.now();
  try {
    const blob = await (await post("/api/preview", seedFor(request(), true))).blob();
    const image = el("img", { id: "preview-image", alt: "preview", src: URL.createObjectURL(blob) });
    showInStage(image);
    $("preview-note").textContent = `first frame, ${((performance.now() - started) / 1000).toFixed(1)} s`;
  } catch (error) {
    $("preview-note").textContent = "no preview";
    showErrors(error);
  } finally { busy(button, false); }
}

function showInStage(media) {
  const old = $("preview-image");
  if (old && old.src && old.src.startsWith("blob:")) URL.revokeObjectURL(old.src);
  if (old) old.replaceWith(media); else $("preview-box").append(media);
}

export async function submit(extra = {}) {
  clearErrors();
  const job = { ...seedFor(request(extra)), output: $("output").value.trim() || null,
                suffix: $("format").value || null, replace: $("replace").checked };
  if (extra.preview) job.output = null;  // a motion preview never takes the render's name
  try {
    const made = await (await post("/api/jobs", job)).json();
    if (!extra.preview) $("output").value = "";
    return made;
  } catch (error) { showErrors(error); }
  return null;
}

async function motionPreview() {
  const made = await submit({ preview: true });
  if (!made) return;
  motionJob = made.id;
  $("preview-note").textContent = "moving the first frame without dreaming…";
}

function motionDone(job) {
  // The motion preview, played in the stage where the first frame was.
  if (job.id !== motionJob || job.state !== "done") return;
  motionJob = null;
  const src = `${fileUrl(job.output)}?v=${Date.now()}`;
  showInStage(/\.(mp4|webm|mov)$/i.test(job.output)
    ? el("video", { id: "preview-image", src, autoplay: true, loop: true, muted: true, playsinline: true,
                    controls: true, class: "motion" })
    : el("img", { id: "preview-image", src, alt: "motion preview", class: "motion" }));
  $("preview-note").textContent = "motion preview (not dreamed)";
}

export function mountRender() {
  $("preview-button").addEventListener("click", preview);
  $("motion-button").addEventListener("click", motionPreview);
  $("timeline-play")?.addEventListener("click", motionPreview);
  $("render-form").addEventListener("submit", (e) => { e.preventDefault(); submit().then(() => say("")); });
  on("job", motionDone);
}
