// One form field per setting, built from its JSON schema; values as a command line would type them.
import { $, el, label, state } from "/static/lib.js";

export function fieldType(prop) {
  if (prop["x-choices"]) return { kind: "enum", values: prop["x-choices"], nullable: true };
  const options = prop.anyOf ? prop.anyOf.filter((p) => p.type !== "null") : [prop];
  if (options.length === 1) {
    const only = options[0];
    if (only.enum) return { kind: "enum", values: only.enum, nullable: !!prop.anyOf };
    if (only.type === "boolean") return { kind: "bool" };
    if (only.type === "integer" || only.type === "number") return { kind: "number", spec: only };
  }
  return { kind: "text" };
}

// A schedule: keyframes {frame: value}, the numbers (or pairs) given by additionalProperties.
export function scheduleOf(name) {
  const prop = state.schema.properties[name];
  if (!prop) return null;
  if (name === "layers") return { steps: true };
  const item = prop.type === "object" && prop.additionalProperties;
  if (!item || typeof item !== "object") return null;
  if (item.type === "number") return { width: 1, min: item.minimum, max: item.maximum };
  if (item.type === "array" && item.prefixItems) {
    const first = item.prefixItems[0];
    return { width: item.prefixItems.length, min: first.minimum, max: first.maximum };
  }
  return null;
}

export function asText(value) {
  // Schedules "0:(1.04), 60:(1.1)", pairs "0,0", sizes "64x64", layer lists "block5,block10".
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.join(",");
  if (typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "0") return asText(value["0"]);
    const numeric = (v) => typeof v === "number" || (Array.isArray(v) && v.every((x) => typeof x === "number"));
    if (keys.every((k) => /^\d+$/.test(k)) && Object.values(value).every(numeric))
      return keys.map((k) => `${k}:(${asText(value[k])})`).join(", ");
    return JSON.stringify(value);  // layer or objective keyframes
  }
  return String(value);
}

export function buildField(name, prop) {
  const type = fieldType(prop);
  const id = `f-${name}`;
  const help = el("p", { class: "help", text: prop.description || "" });
  const error = el("p", { class: "error", "data-error-for": name });
  let input;
  if (type.kind === "enum") {
    input = el("select", { id, name }, type.nullable ? el("option", { value: "", text: "(default)" }) : null,
               type.values.map((v) => el("option", { value: v, text: v })));
  } else if (type.kind === "bool") {
    input = el("input", { id, name, type: "checkbox", "data-kind": "bool" });
    return el("div", { class: "field bool", "data-field": name },
              el("label", { for: id }, input, label(name)), help, error);
  } else if (type.kind === "number") {
    const spec = type.spec;
    input = el("input", { id, name, type: "number", step: spec.type === "integer" ? "1" : "any",
                          min: spec.minimum ?? spec.exclusiveMinimum, max: spec.maximum ?? spec.exclusiveMaximum });
  } else {
    input = el("input", { id, name, type: "text", spellcheck: "false" });
  }
  input.dataset.kind = type.kind;
  if (prop.default === null && type.kind !== "enum") input.placeholder = "automatic";
  return el("div", { class: "field", "data-field": name }, el("label", { for: id }, label(name), input), help, error);
}

export function defaults() {
  const values = {};
  for (const [name, prop] of Object.entries(state.schema.properties)) values[name] = prop.default;
  return values;
}

export function fillForm(settings) {
  // Defaults first, then the given settings (a preset's, a sidecar's, a grid cell's).
  const values = { ...defaults(), ...(settings || {}) };
  for (const [name, value] of Object.entries(values)) {
    const input = $(`f-${name}`);
    if (!input) continue;
    if (input.dataset.kind === "bool") input.checked = !!value;
    else if (input.dataset.kind === "enum") input.value = value ?? "";
    else if (name === "size" && Array.isArray(value)) input.value = value.join("x");
    else input.value = asText(value);
    input.dispatchEvent(new Event("change"));
  }
}

export function readForm() {
  const settings = {};
  for (const input of document.querySelectorAll("#render-form [data-kind]")) {
    if (input.closest("[hidden]")) continue;  // a setting this kind does not use
    const name = input.name;
    if (input.dataset.kind === "bool") settings[name] = input.checked;
    else if (input.value.trim() === "") continue;
    else if (input.dataset.kind === "number") settings[name] = Number(input.value);
    else settings[name] = maybeJson(input.value.trim());
  }
  return settings;
}

function maybeJson(text) {
  // {"0": ["block5"], "60": ["block10"]}: layer keyframes as the timeline writes them; else the text itself.
  if (!text.startsWith("{")) return text;
  try { return JSON.parse(text); } catch (error) { return text; }
}

export function setValue(name, text) {
  // Set a field as if typed (the timeline, the atlas, the seed buttons), so every listener hears it.
  const input = $(`f-${name}`);
  if (!input) return;
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.dispatchEvent(new Event("change", { bubbles: true }));
}
