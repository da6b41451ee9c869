// Small SVG charts drawn in the browser (no library, no network): line and step series,
// axes with round ticks, a legend, markers and vertical lines.
"use strict";

function niceTicks(lo, hi, n) {
  if (!(hi > lo)) { hi = lo + 1; }
  const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= raw) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(+v.toFixed(10));
  return out;
}

function svgEl(tag, attrs, text) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

// opts: {series: [{name, x, y, color, step, width, dash}], xlabel, ylabel, ymin, ymax,
//        yfmt, xfmt, markers: [{x, y, label, color}], vlines: [{x, label, color}], height}
function drawChart(host, opts) {
  host.innerHTML = "";
  const W = host.clientWidth || 640, H = opts.height || 260;
  const named = opts.series.filter(s => s.name);
  const m = {l: 58, r: 14, t: 12, b: 40 + (named.length ? 22 : 0)};   // legend under the axis
  const svg = svgEl("svg", {width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img"});
  const xs = opts.series.flatMap(s => s.x), ys = opts.series.flatMap(s => s.y).filter(v => v !== null);
  let x0 = Math.min(...xs), x1 = Math.max(...xs);
  (opts.vlines || []).forEach(v => { x1 = Math.max(x1, v.x); });
  (opts.markers || []).forEach(v => { x1 = Math.max(x1, v.x); });
  let y0 = opts.ymin !== undefined ? opts.ymin : Math.min(0, ...ys);
  let y1 = opts.ymax !== undefined ? opts.ymax : Math.max(...ys);
  if (!(y1 > y0)) y1 = y0 + 1;
  if (!(x1 > x0)) x1 = x0 + 1;
  const px = x => m.l + (x - x0) / (x1 - x0) * (W - m.l - m.r);
  const py = y => H - m.b - (y - y0) / (y1 - y0) * (H - m.t - m.b);
  const yfmt = opts.yfmt || (v => String(v)), xfmt = opts.xfmt || (v => String(v));
  niceTicks(y0, y1, 5).forEach(v => {
    svg.appendChild(svgEl("line", {x1: m.l, x2: W - m.r, y1: py(v), y2: py(v), class: "grid"}));
    svg.appendChild(svgEl("text", {x: m.l - 6, y: py(v) + 4, "text-anchor": "end", class: "tick"}, yfmt(v)));
  });
  niceTicks(x0, x1, 8).forEach(v => {
    svg.appendChild(svgEl("text", {x: px(v), y: H - m.b + 16, "text-anchor": "middle", class: "tick"}, xfmt(v)));
  });
  svg.appendChild(svgEl("line", {x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, class: "axis"}));
  svg.appendChild(svgEl("line", {x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, class: "axis"}));
  if (opts.xlabel) svg.appendChild(svgEl("text", {x: (W + m.l) / 2, y: H - m.b + 32, "text-anchor": "middle", class: "label"}, opts.xlabel));
  if (opts.ylabel) svg.appendChild(svgEl("text", {x: 12, y: (H - m.b) / 2, transform: `rotate(-90 12 ${(H - m.b) / 2})`, "text-anchor": "middle", class: "label"}, opts.ylabel));
  (opts.vlines || []).forEach(v => {
    svg.appendChild(svgEl("line", {x1: px(v.x), x2: px(v.x), y1: m.t, y2: H - m.b, stroke: v.color || "#888", "stroke-dasharray": "4 3"}));
    if (v.label) svg.appendChild(svgEl("text", {x: px(v.x) + 4, y: m.t + 12, class: "tick", fill: v.color || "#555"}, v.label));
  });
  opts.series.forEach(s => {
    let d = "";
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (y === null || y === undefined) return;
      if (!d) d = `M${px(x)},${py(y)}`;
      else if (s.step) d += `H${px(x)}V${py(y)}`;
      else d += `L${px(x)},${py(y)}`;
    });
    svg.appendChild(svgEl("path", {d, fill: "none", stroke: s.color, "stroke-width": s.width || 2, "stroke-dasharray": s.dash || ""}));
  });
  (opts.markers || []).forEach(p => {
    svg.appendChild(svgEl("circle", {cx: px(p.x), cy: py(p.y), r: 6, fill: p.color || "#d62728", stroke: "white", "stroke-width": 2}));
    const right = px(p.x) > W * 0.7;        // near the right edge: label on the left
    const top = py(p.y) < m.t + 22;         // near the top: label below the dot
    if (p.label) svg.appendChild(svgEl("text", {x: px(p.x) + (right ? -9 : 9), y: py(p.y) + (top ? 20 : -8), class: "marker", "text-anchor": right ? "end" : "start"}, p.label));
  });
  let lx = m.l;
  const ly = H - 14;
  named.forEach(s => {
    svg.appendChild(svgEl("line", {x1: lx, x2: lx + 18, y1: ly - 4, y2: ly - 4, stroke: s.color, "stroke-width": 3, "stroke-dasharray": s.dash || ""}));
    const t = svgEl("text", {x: lx + 24, y: ly, class: "legend"}, s.name);
    svg.appendChild(t);
    lx += 24 + 7 * s.name.length + 18;
  });
  host.appendChild(svg);
}

function money(x) {
  if (x === null || x === undefined) return "n/a";
  const sign = x < 0 ? "-" : "", a = Math.abs(x);
  return a >= 1e9 ? `${sign}$${(a / 1e9).toFixed(2)}B` : `${sign}$${(a / 1e6).toFixed(1)}M`;
}

function esc(s) {
  return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g,
    c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

async function api(method, path, body, headers) {
  const init = {method, headers: Object.assign({"Content-Type": "application/json"}, headers || {})};
  if (body !== undefined) init.body = JSON.stringify(body);
  let r;
  try { r = await fetch(path, init); }
  catch (e) { return {ok: false, status: 0, data: {error: "the server cannot be reached: check the network, then try again"}}; }
  let data = {};
  try { data = await r.json(); } catch (e) { data = {error: `unexpected answer (${r.status})`}; }
  return {ok: r.ok, status: r.status, data};
}

// Kaplan-Meier survival at week t from a step curve {weeks, survival}.
function survivalAt(curve, t) {
  let s = 1;
  for (let i = 0; i < curve.weeks.length; i++) { if (curve.weeks[i] <= t) s = curve.survival[i]; }
  return s;
}
