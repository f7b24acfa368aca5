// The soundtrack under the timeline: the chosen audio file's features (what an expression such as
// "1.01 + 0.05*bass" reads) on the same frame axis as the keyframes (GET /api/audio-features).
import { $, el, json, kindFields } from "/static/lib.js";

const H = 60, SHOWN = ["rms", "bass", "onset"], SVG = "http://www.w3.org/2000/svg";
const cache = new Map();

async function features(path) {
  const fps = Number($("f-fps")?.value || 24);
  const key = `${path}@${fps}`;
  if (!cache.has(key)) cache.set(key, json(`/api/audio-features?path=${encodeURIComponent(path)}&fps=${fps}`));
  return cache.get(key);
}

function line(values, name, xOf, frames) {
  const step = Math.max(1, Math.floor(values.length / 300));
  const points = [];
  for (let f = 0; f < Math.min(values.length, frames); f += step)
    points.push(`${xOf(f)},${H - 4 - (H - 8) * values[f]}`);
  const node = document.createElementNS(SVG, "polyline");
  node.setAttribute("points", points.join(" "));
  node.setAttribute("class", `feature ${name}`);
  return node;
}

export async function drawSoundtrack(xOf, frames) {
  // -> the track's length in frames (it sets a render's length when frames is left empty), or null.
  const lane = $("tl-audio"), path = $("f-audio")?.value.trim();
  const used = kindFields($("kind").value).includes("audio");
  lane.hidden = !used || !path;
  $("tl-audio-note").textContent = "";
  if (lane.hidden) return null;
  try {
    const data = await features(path);
    $("tl-audio-graph").replaceChildren(...SHOWN.filter((n) => data.features[n]).map((n) => line(data.features[n], n, xOf, frames)));
    $("tl-audio-legend").replaceChildren(...SHOWN.map((n) => el("span", { class: `feature ${n}`, text: n })));
    if (!$("f-frames").value) $("tl-audio-note").textContent = `the music sets the length: ${data.frames} frames`;
    return data.frames;
  } catch (error) {
    cache.clear();
    $("tl-audio-graph").replaceChildren();
    $("tl-audio-note").textContent = error.status === 404 && /not found/i.test(error.message)
      ? "" : `the music cannot be read: ${error.message}`;
    return null;
  }
}
