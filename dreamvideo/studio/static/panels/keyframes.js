// Keyframes read from and written to the text a schedulable setting takes (settings/schedule.py):
// a plain value "1.04", a pair "0,0", or Deforum's "0:(1.0), 24:(1.05)"; layers as "block5,block10" or
// {"0": ["block5"], "40": ["block10"]}. A schedule with an expression (t, sin, bass...) is left as text.

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

export function parseNumbers(text, width) {
  // -> {keys: [{frame, value: [numbers]}]} or {expression: true} when the text is more than numbers.
  const source = String(text ?? "").trim();
  if (!source) return { keys: [] };
  const plain = source.split(",").map((s) => s.trim());
  if (plain.length === width && plain.every((s) => NUMBER.test(s)))
    return { keys: [{ frame: 0, value: plain.map(Number) }] };
  const keys = [], pattern = /(\d+)\s*:\s*\(([^()]*)\)\s*(,|$)/y;
  let at = 0, match;
  while (at < source.length && (match = pattern.exec(source))) {
    const parts = match[2].split(",").map((s) => s.trim());
    if (parts.length !== width || !parts.every((s) => NUMBER.test(s))) return { expression: true };
    keys.push({ frame: Number(match[1]), value: parts.map(Number) });
    at = pattern.lastIndex;
    while (source[at] === " ") at += 1;
    pattern.lastIndex = at;
  }
  if (at < source.length || !keys.length) return { expression: true };
  return { keys: keys.sort((a, b) => a.frame - b.frame) };
}

const num = (v) => String(Number(v.toPrecision(6)));

export function writeNumbers(keys) {
  const sorted = [...keys].sort((a, b) => a.frame - b.frame);
  if (sorted.length === 1 && sorted[0].frame === 0) return sorted[0].value.map(num).join(",");
  return sorted.map((k) => `${k.frame}:(${k.value.map(num).join(",")})`).join(", ");
}

export function parseLayers(text) {
  const source = String(text ?? "").trim();
  if (!source) return [];
  if (source.startsWith("{")) {
    try {
      const data = JSON.parse(source);
      return Object.entries(data).map(([frame, v]) => ({ frame: Number(frame), value: [].concat(v) }))
        .sort((a, b) => a.frame - b.frame);
    } catch (error) { return []; }
  }
  return [{ frame: 0, value: source.split(/[\s,]+/).filter(Boolean) }];
}

export function writeLayers(keys) {
  const sorted = [...keys].sort((a, b) => a.frame - b.frame);
  if (sorted.length === 1 && sorted[0].frame === 0) return sorted[0].value.join(",");
  return JSON.stringify(Object.fromEntries(sorted.map((k) => [String(k.frame), k.value])));
}

export function valueAt(keys, frame, component = 0) {
  // Linear between keyframes, held before the first and after the last (the schedule's default).
  if (!keys.length) return null;
  let before = keys[0];
  for (const key of keys) {
    if (key.frame > frame) {
      if (key === before || before.frame > frame) return key.value[component];
      const t = (frame - before.frame) / (key.frame - before.frame);
      return before.value[component] + t * (key.value[component] - before.value[component]);
    }
    before = key;
  }
  return before.value[component];
}
