// The output: its name, format and codec, from the formats table (/api/schema's x-formats).
import { $, el, hasOption, kindFields, kindInfo, on, state, suffixOf } from "/static/lib.js";

const formats = (suffix) => state.schema["x-formats"].filter((f) => f.suffix === suffix && !f.sequence);
const hasCodec = () => "codec" in state.schema.properties && kindFields($("kind").value).includes("codec");

export function buildFormats() {
  // The kind's outputs (its default first); a suffix the formats table knows is labelled with its default codec.
  const kind = $("kind").value, current = $("format").value;
  const outputs = kindInfo(kind).outputs || [];
  $("format").replaceChildren(...outputs.map((suffix) => {
    const main = formats(suffix).find((f) => f.default);
    return el("option", { value: suffix, text: main && main.name !== suffix ? `${suffix} (${main.codec})` : suffix });
  }));
  if (outputs.includes(current)) $("format").value = current;
  showCodecs();
}

export function showCodecs() {
  // The codec select lists the chosen container's codecs, and only where the kind has the `codec` setting.
  const codecs = formats($("format").value), select = $("f-codec"), before = select.value;
  const shown = hasCodec() && codecs.length > 1;
  const main = codecs.find((f) => f.default);
  select.replaceChildren(el("option", { value: "", text: main ? `default (${main.codec})` : "default" }),
                         ...codecs.map((f) => el("option", { value: f.codec, text: f.codec })));
  select.value = shown && codecs.some((f) => f.codec === before) ? before : "";
  if (shown) select.dataset.kind = "enum"; else delete select.dataset.kind;  // read with the settings only when shown
  $("codec-field").hidden = !shown;
  const chosen = codecs.find((f) => f.codec === select.value) || main;
  $("format-help").textContent = chosen ? `${chosen.purpose}. Plays in browsers: ${chosen.browser ? "yes" : "no"}; `
    + `audio: ${chosen.audio || "none"}${chosen.loops ? "; loops by itself" : ""}.` : "";
  $("output").placeholder = `automatic: renders/${$("kind").value}-TIME${$("format").value}`;
}

function chooseFormat() {
  // A typed name follows the chosen format's suffix.
  const name = $("output").value.trim();
  if (name && suffixOf(name)) $("output").value = name.slice(0, -suffixOf(name).length) + $("format").value;
  showCodecs();
}

function typeOutput() {
  // A typed suffix the kind can write chooses the format.
  const suffix = suffixOf($("output").value.trim());
  if (hasOption($("format"), suffix) && $("format").value !== suffix) {
    $("format").value = suffix;
    showCodecs();
  }
}

export function chooseSuffix(path) {
  // A render's own format, when it is back in the form (Edit).
  if (hasOption($("format"), suffixOf(path))) $("format").value = suffixOf(path);
  showCodecs();
}

export function mountFormats() {
  $("format").addEventListener("change", chooseFormat);
  $("f-codec").addEventListener("change", showCodecs);
  $("output").addEventListener("input", typeOutput);
  on("kind", buildFormats);
}
