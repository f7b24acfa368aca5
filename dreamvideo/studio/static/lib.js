// Helpers every panel shares: DOM building, the API calls, human figures, and a small event bus.
// (The contract's list: $, el, api, json, post, del, fileUrl, human; the rest are the page's own.)

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child != null && child !== false) node.append(child);
  return node;
}

// Set when the API answers 401: the server restarted with a new token; every panel stops asking.
export const session = { lost: false };

export async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (!response.ok) {
    let body = {};
    try { body = await response.json(); } catch (e) { body = { error: `${response.status} ${response.statusText}` }; }
    const error = new Error(body.error || `${response.status}`);
    error.body = body;
    error.status = response.status;
    if (response.status === 401) lostToken();
    throw error;
  }
  return response;
}

export const json = async (path, options) => (await api(path, options)).json();
const sending = (method, body) => ({ method, headers: { "Content-Type": "application/json" },
                                     body: JSON.stringify(body) });
export const post = (path, body) => api(path, sending("POST", body));
export const del = (path) => api(path, { method: "DELETE" });

export const fileUrl = (path) => `/files/${path.split("/").map(encodeURIComponent).join("/")}`;

export function human(n, unit = "") {
  // Rounded as a person reads them: 1.19, 16 s, 2 min 5 s (sizes come worded from the server).
  if (n === null || n === undefined || Number.isNaN(Number(n))) return "";
  n = Number(n);
  if (unit === "s") {
    if (n < 10) return `${round(n)} s`;
    if (n < 90) return `${Math.round(n)} s`;
    if (n < 3600) return `${Math.floor(n / 60)} min ${Math.round(n % 60)} s`;
    return `${Math.floor(n / 3600)} h ${Math.round((n % 3600) / 60)} min`;
  }
  return unit ? `${round(n)} ${unit}` : `${round(n)}`;
}

function round(n) {
  // Three significant figures at most, no trailing zeros: 1.1902 -> 1.19, 0.04 -> 0.04, 1234.5 -> 1235.
  if (Math.abs(n) >= 100) return String(Math.round(n));
  return String(Number(n.toPrecision(3)));
}

// Shared state, filled by main.js and the panels: the schema, the models, what the gallery shows.
export const state = { schema: null, models: null, renders: [], lastSeed: null };

const listeners = {};
export function on(name, fn) { (listeners[name] ||= []).push(fn); }
export function emit(name, data) { for (const fn of listeners[name] || []) fn(data); }

export function say(text) { $("status").textContent = text || ""; }

function lostToken() {
  if (session.lost) return;
  session.lost = true;
  say("The studio restarted with a new token: open the URL it printed in its terminal.");
}

// The settings of a kind, the kind table's entry, a setting's plain label.
export const kindFields = (kind) => state.schema["x-kinds"][kind] || [];
export const kindInfo = (kind) => state.schema["x-kind-table"][kind] || {};
export const suffixOf = (path) => (/\.[^./]+$/.exec(String(path).toLowerCase()) || [""])[0];
export const hasOption = (select, value) => [...select.options].some((o) => o.value === value);

export function label(name) {
  // "Frame Octaves" (pydantic's title) -> "Frame octaves": a label, not a code name.
  const prop = state.schema && state.schema.properties[name];
  const title = (prop && prop.title) || name.replace(/_/g, " ");
  return title.charAt(0).toUpperCase() + title.slice(1).toLowerCase();
}
