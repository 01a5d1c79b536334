// ShowPage: the HTML of `charlstm show` — one self-contained file.
//
// Inline CSS, JavaScript and SVG (drawn by the script), no network, no
// external font; it works from file://. The data (ShowReport's JSON) sits in
// <script type="application/json"> with <, >, & and U+2028/9 written as
// \u escapes, so no text can close the element or start markup; the script
// reads it with JSON.parse and builds the page with textContent and
// setAttribute only (never innerHTML). The Content-Security-Policy allows
// nothing but this style and this script, by their SHA-256 hashes.
//
// The page: notes (a cut text, unknown graphemes, a bidirectional model); 1.
// model facts and loss curves; 2.+3. the text, one <span class="g"> per
// grapheme, tinted by surprise or by a picked unit (diverging scale), with a
// tooltip (hover or keyboard focus) listing the top 5 predictions, the unit
// picker and the ranked units; 4. gate saturation scatters; 5. samples.
// `#selftest=POS,…` exercises hover, keyboard and picker after loading and
// writes a JSON result into <pre id="selftest-result"> (CLITests read it);
// `#pick=R&hover=N` opens the page on ranked unit R with N's tooltip.

import CharLSTMSupport
import CharLSTMText

enum ShowPage {
    /// The whole page around `json` (ShowReport's data object).
    static func html(data json: String) -> String {
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            + "<meta http-equiv=\"Content-Security-Policy\" content=\"\(contentSecurityPolicy)\">\n"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            + "<title>charlstm show</title>\n<style>" + style + "</style>\n</head>\n<body>\n" + body + "\n"
            + "<script type=\"application/json\" id=\"data\">" + scriptSafe(json) + "</script>\n"
            + "<script>" + script + "</script>\n</body>\n</html>\n"
    }

    /// Only this page's own style and script, nothing from anywhere else.
    static let contentSecurityPolicy = "default-src 'none'; script-src 'sha256-" + hash(script) + "'; style-src 'sha256-"
        + hash(style) + "'; img-src 'none'; base-uri 'none'; form-action 'none'"

    /// Base64 of the SHA-256 of `text`'s UTF-8 (a CSP source hash).
    static func hash(_ text: String) -> String { Base64.encode(SHA256.digest(Array(text.utf8))) }

    /// JSON text that cannot end a <script> element or open markup in it:
    /// <, >, & and U+2028/9 as \u escapes (they occur only inside strings).
    static func scriptSafe(_ json: String) -> String {
        var out: [UInt8] = []
        var source = json
        source.withUTF8 { bytes in
            out.reserveCapacity(bytes.count + 1024)
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                switch b {
                case UInt8(ascii: "<"): out.append(contentsOf: #"\u003c"#.utf8)
                case UInt8(ascii: ">"): out.append(contentsOf: #"\u003e"#.utf8)
                case UInt8(ascii: "&"): out.append(contentsOf: #"\u0026"#.utf8)
                case 0xE2 where i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
                    out.append(contentsOf: (bytes[i + 2] == 0xA8 ? #"\u2028"# : #"\u2029"#).utf8)
                    i += 2
                default: out.append(b)
                }
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let style = #"""
:root { color-scheme: light; --ink: #222; --muted: #666; --line: #ddd; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); background: #fafafa; }
header { padding: 14px 24px 8px; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 2px 0 0; color: var(--muted); }
main { padding: 8px 24px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
h2 { font-size: 16px; margin: 0 0 8px; }
h3 { font-size: 14px; margin: 10px 0 4px; }
.note { background: #fff8e1; border: 1px solid #f0d77b; border-radius: 4px; padding: 4px 8px; margin: 6px 0; }
.muted { color: var(--muted); }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 2px 16px; margin: 0; }
.facts div { display: flex; gap: 8px; }
.facts dt { color: var(--muted); min-width: 92px; }
.facts dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.vocab { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; color: var(--muted); overflow-wrap: anywhere; max-height: 4.5em; overflow: auto; }
.reader { display: grid; grid-template-columns: minmax(0, 1fr) 330px; gap: 16px; align-items: start; }
.controls { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin-bottom: 8px; }
.legend { display: inline-flex; align-items: center; gap: 4px; font-size: 12px; color: var(--muted); }
.legend .bar { display: inline-flex; border: 1px solid var(--line); }
.legend .bar span { width: 14px; height: 12px; }
#text { font: 15px/1.7 "DejaVu Sans Mono", "Noto Sans Mono", monospace; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 72vh; overflow: auto; border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; background: #fff; }
#text:focus-within { outline: 2px solid #9cc3ff; }
#text .g { border-radius: 2px; cursor: default; }
#text .g:focus { outline: 2px solid #1a73e8; outline-offset: 0; }
#text .g.cur { box-shadow: 0 0 0 1px #1a73e8; }
#text .sp, #text .tb, #text .nl { position: relative; }
#text .sp::before { content: "\00B7"; position: absolute; left: 0; right: 0; text-align: center; color: #b0b0b0; }
#text .tb::before { content: "\2192"; position: absolute; left: 0; color: #b0b0b0; }
#text .nl::before { content: "\21B5"; color: #b0b0b0; }
#text .ctl { color: #a00; }
#text .unk { text-decoration: underline wavy #a00; }
aside { position: sticky; top: 8px; }
aside select { font: inherit; max-width: 100%; }
.picker { display: grid; grid-template-columns: auto 1fr; gap: 4px 8px; align-items: center; margin-bottom: 8px; }
#ranked { list-style: none; margin: 0; padding: 0; max-height: 52vh; overflow: auto; border: 1px solid var(--line); border-radius: 4px; }
#ranked li + li { border-top: 1px solid #eee; }
#ranked button { display: block; width: 100%; text-align: left; font: inherit; font-size: 13px; background: none; border: 0; padding: 4px 8px; cursor: pointer; }
#ranked button:hover, #ranked button:focus { background: #eef4ff; }
#ranked button.active { background: #dbe8ff; }
#ranked .r { float: right; font-variant-numeric: tabular-nums; color: var(--muted); }
#tip { position: fixed; z-index: 10; background: #fff; border: 1px solid #bbb; border-radius: 6px; box-shadow: 0 4px 14px rgba(0,0,0,.15); padding: 6px 10px; font-size: 13px; min-width: 210px; pointer-events: none; }
#tip .head { font-weight: 600; margin-bottom: 2px; }
.tip-row { display: grid; grid-template-columns: 5.5em 4.5em 1fr; gap: 6px; align-items: center; font-variant-numeric: tabular-nums; }
.tip-row.came { font-weight: 700; }
.tip-row .tg { font-family: "DejaVu Sans Mono", monospace; }
.tip-row .bar { height: 8px; background: #1a73e8; border-radius: 2px; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; }
svg text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: #333; }
pre.sample { white-space: pre-wrap; font: 13px/1.5 "DejaVu Sans Mono", monospace; background: #f6f6f6; padding: 8px; border-radius: 4px; margin: 4px 0 10px; }
#status { float: right; color: var(--muted); font-size: 12px; }
"""#

    static let body = #"""
<header>
<h1>What the model sees</h1>
<p><span id="source"></span> <span id="status"></span></p>
</header>
<main>
<div id="notes"></div>
<section id="model-section">
<h2>1. The model and its training</h2>
<p class="muted" id="checkpoint"></p>
<dl class="facts" id="facts"></dl>
<h3>Vocabulary</h3>
<div class="vocab" id="vocab"></div>
<h3>Loss curves</h3>
<div id="curves"></div>
</section>
<section id="text-section">
<h2>2. Surprise, and 3. neurons</h2>
<p class="muted">Each grapheme is tinted by how surprised the model was by it (bits = &#8722;log<sub>2</sub> p), or by one unit&#8217;s value. Hover over a grapheme, or click into the text and move with the arrow keys, to see the model&#8217;s top 5 guesses for it.</p>
<p id="bpg"></p>
<div class="reader">
<div>
<div class="controls">
<label>Colour by <select id="mode"><option value="surprise">surprise (bits)</option><option value="neuron">the picked unit</option></select></label>
<span class="legend" id="surprise-legend"></span>
<span class="legend" id="neuron-legend" hidden></span>
</div>
<div id="text" aria-label="the text, one element per grapheme"></div>
</div>
<aside>
<h3>Pick a unit</h3>
<div class="picker">
<label for="layer">layer</label><select id="layer"></select>
<label for="signal">signal</label><select id="signal"></select>
<label for="unit">unit</label><select id="unit"></select>
</div>
<p class="muted" id="stored-note"></p>
<h3>Most interpretable units</h3>
<p class="muted">Highest |correlation| with a feature of this text; click one to colour the text by it (blue below, red above the centre).</p>
<ol id="ranked"></ol>
<p class="muted" id="features-note"></p>
</aside>
</div>
</section>
<section id="saturation-section">
<h2>4. Gate saturation</h2>
<p class="muted">Each dot is one unit&#8217;s gate: the fraction of the text where it was below 0.1 (left-saturated) against above 0.9 (right-saturated), as in Karpathy, Johnson &amp; Fei-Fei (2015).</p>
<div class="plots" id="saturation"></div>
</section>
<section id="samples-section">
<h2>5. Samples</h2>
<div id="samples"></div>
</section>
</main>
<div id="tip" role="tooltip" hidden></div>
"""#

    static let script = #"""
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('data').textContent);
  var SVGNS = 'http://www.w3.org/2000/svg';
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function group(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
  function fixed(x, d) { return x === null || x === undefined || !isFinite(x) ? '\u2013' : Number(x).toFixed(d); }
  function note(parent, text) { parent.appendChild(el('p', 'note', text)); }

  // How a grapheme is named in lists and the tooltip.
  function label(g) {
    if (g === '\n' || g === '\r\n' || g === '\r') return '\u21B5 newline';
    if (g === ' ') return '\u00B7 space';
    if (g === '\t') return '\u2192 tab';
    var c = g.codePointAt(0);
    if (g.length === 1 && (c < 0x20 || c === 0x7f)) return String.fromCodePoint(c === 0x7f ? 0x2421 : 0x2400 + c);
    return g;
  }

  var G = D.text.graphemes, N = G.length, IDS = D.text.ids, V = D.vocabulary;
  var P = D.predictions, M = D.model, NEU = D.neurons;

  // ---- notes ----
  var notes = $('notes');
  if (D.text.total > N) note(notes, 'Showing the first ' + group(N) + ' of ' + group(D.text.total) +
    ' graphemes (--max-graphemes ' + N + '); the rest of the text was cut.');
  if (D.text.unknown > 0) note(notes, group(D.text.unknown) + ' grapheme(s) are not in the model\u2019s vocabulary: fed as <unk>, underlined.');
  if (D.text.replaced > 0) note(notes, group(D.text.replaced) + ' invalid UTF-8 sequence(s) were replaced with U+FFFD.');
  if (P.context === 'both') note(notes, 'A bidirectional (fill) model: each grapheme is predicted from the text on both sides of it, ' +
    'as charlstm fill sees it. The neuron signals are those of its forward (left-to-right) stack.');
  $('source').textContent = D.source;

  // ---- 1. the model and its training ----
  var facts = $('facts');
  function fact(name, value) {
    var d = el('div'); d.appendChild(el('dt', null, name)); d.appendChild(el('dd', null, value)); facts.appendChild(d);
  }
  $('checkpoint').textContent = M.path + ' (charlstm checkpoint ' + M.format + ', ' + group(M.bytes) + ' bytes)';
  fact('cell', M.cell + (M.direction === 'bidirectional' ? ' (bidirectional)' : ''));
  fact('layers', M.layers);
  fact('hidden', M.hidden);
  fact('embedding', M.embed);
  fact('parameters', group(M.parameters));
  fact('vocabulary', M.vocab + ' (<unk> + ' + (M.vocab - 1) + ')');
  fact('steps', group(M.step));
  fact('epochs', M.epoch);
  fact('best val', M.bestVal === null ? 'not evaluated' : fixed(M.bestVal, 4) + ' bpc');
  fact('corpus', M.corpus === '' ? '\u2013' : M.corpus);
  fact('weights', M.weights + (M.trainingState ? ', with training state' : ', weights only'));
  fact('dropout', M.dropout);
  fact('normalization', M.normalization);
  if (M.created > 0) fact('created', new Date(M.created * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC');
  $('vocab').textContent = V.slice(1).map(label).join('  ');

  var curves = $('curves');
  if (D.history === null) {
    note(curves, 'This checkpoint holds no training history: it is weights-only (written by charlstm export --weights-only, ' +
      'like the bundled model), so there are no curves to draw. Its steps and best validation are above.');
  } else {
    drawCurves(curves, D.history);
  }

  function ticks(lo, hi, count) {
    var span = hi - lo; if (!(span > 0)) span = 1;
    var raw = span / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 2.5, 5, 10].map(function (m) { return m * mag; }).filter(function (s) { return s >= raw; })[0];
    var out = [];
    for (var v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    if (out[out.length - 1] < hi) out.push(out[out.length - 1] + step);
    return out;
  }

  function drawCurves(parent, h) {
    var pts = { train: [], val: [] };
    for (var i = 0; i < h.step.length; i++) {
      if (h.train[i] !== null && isFinite(h.train[i])) pts.train.push([h.step[i], h.train[i]]);
      if (h.val[i] !== null && isFinite(h.val[i])) pts.val.push([h.step[i], h.val[i]]);
    }
    var all = pts.train.concat(pts.val);
    if (all.length === 0) { note(parent, 'The checkpoint\u2019s history has no evaluation yet.'); return; }
    var W = 640, Hh = 300, l = 56, r = 16, t = 14, b = 40;
    var xs = ticks(0, Math.max(1, Math.max.apply(null, all.map(function (p) { return p[0]; }))), 6);
    var ylo = Math.min.apply(null, all.map(function (p) { return p[1]; })), yhi = Math.max.apply(null, all.map(function (p) { return p[1]; }));
    if (yhi - ylo < 1e-6) { ylo -= 0.5; yhi += 0.5; }
    var ys = ticks(Math.max(0, ylo - (yhi - ylo) * 0.05), yhi + (yhi - ylo) * 0.05, 5);
    function px(x) { return l + (x - xs[0]) / (xs[xs.length - 1] - xs[0]) * (W - l - r); }
    function py(y) { return t + (Hh - t - b) - (y - ys[0]) / (ys[ys.length - 1] - ys[0]) * (Hh - t - b); }
    var s = svg('svg', { width: W, height: Hh, viewBox: '0 0 ' + W + ' ' + Hh, role: 'img', 'aria-label': 'training and validation loss' });
    xs.forEach(function (x) {
      s.appendChild(svg('line', { x1: px(x), x2: px(x), y1: t, y2: Hh - b, stroke: '#eee' }));
      s.appendChild(svg('text', { x: px(x), y: Hh - b + 14, 'text-anchor': 'middle' }, group(x)));
    });
    ys.forEach(function (y) {
      s.appendChild(svg('line', { x1: l, x2: W - r, y1: py(y), y2: py(y), stroke: '#eee' }));
      s.appendChild(svg('text', { x: l - 6, y: py(y) + 4, 'text-anchor': 'end' }, Number(y.toPrecision(4))));
    });
    s.appendChild(svg('text', { x: (l + W - r) / 2, y: Hh - 6, 'text-anchor': 'middle' }, 'step'));
    s.appendChild(svg('text', { x: 12, y: t + (Hh - t - b) / 2, transform: 'rotate(-90 12 ' + (t + (Hh - t - b) / 2) + ')', 'text-anchor': 'middle' }, 'bits per grapheme'));
    [['train', '#1f77b4'], ['val', '#d62728']].forEach(function (c, k) {
      var p = pts[c[0]];
      if (p.length) s.appendChild(svg('polyline', { fill: 'none', stroke: c[1], 'stroke-width': 1.8,
        points: p.map(function (q) { return px(q[0]).toFixed(1) + ',' + py(q[1]).toFixed(1); }).join(' ') }));
      if (c[0] === 'val') p.forEach(function (q) { s.appendChild(svg('circle', { cx: px(q[0]), cy: py(q[1]), r: 2.5, fill: c[1] })); });
      s.appendChild(svg('line', { x1: W - r - 130, x2: W - r - 110, y1: t + 10 + 16 * k, y2: t + 10 + 16 * k, stroke: c[1], 'stroke-width': 2 }));
      s.appendChild(svg('text', { x: W - r - 104, y: t + 14 + 16 * k }, c[0] === 'train' ? 'training' : 'validation'));
    });
    parent.appendChild(s);
  }

  // ---- 2. surprise: the text, one element per grapheme ----
  var view = $('text');
  var spans = new Array(N);
  var frag = document.createDocumentFragment();
  for (var i = 0; i < N; i++) {
    var g = G[i], s = document.createElement('span'), cls = 'g';
    if (g === ' ') cls += ' sp';
    else if (g === '\t') cls += ' tb';
    else if (g === '\n' || g === '\r\n' || g === '\r') cls += ' nl';
    else {
      var c0 = g.codePointAt(0);
      if (g.length === 1 && (c0 < 0x20 || c0 === 0x7f)) { cls += ' ctl'; g = label(g); }
    }
    if (IDS[i] === 0) cls += ' unk';
    s.className = cls;
    s.textContent = g === '\r\n' || g === '\r' ? '\n' : g;
    s.tabIndex = -1;
    s.i = i;
    spans[i] = s;
    frag.appendChild(s);
  }
  view.appendChild(frag);
  if (N > 0) spans[0].tabIndex = 0;

  var bits = P.actual.map(function (p) { return p === null ? null : -Math.log2(Math.max(p, 1e-30)); });
  function surpriseColour(b) {
    var a = Math.min(b, 12) / 12;
    return 'rgba(230,85,13,' + (a * 0.9).toFixed(3) + ')';
  }
  $('bpg').textContent = P.bitsPerGrapheme === null ? 'no grapheme scored' :
    fixed(P.bitsPerGrapheme, 4) + ' bits per grapheme over ' + group(P.scored) + ' scored grapheme' + (P.scored === 1 ? '' : 's') +
    (P.context === 'left' ? ' (the first has no context)' : ' (each from both sides)');
  var sl = $('surprise-legend');
  sl.appendChild(el('span', null, '0 bits'));
  var sbar = el('span', 'bar');
  for (var b = 0; b <= 12; b++) { var sw = el('span'); sw.style.backgroundColor = surpriseColour(b); sbar.appendChild(sw); }
  sl.appendChild(sbar);
  sl.appendChild(el('span', null, '\u2265 12 bits'));

  // ---- 3. neurons ----
  var SIG = NEU.signals, stored = NEU.stored, ranked = NEU.ranked;
  var storedAt = {};
  stored.forEach(function (x, k) { storedAt[x.layer + ':' + x.signal + ':' + x.unit] = k; });
  var rankedAt = {};
  ranked.forEach(function (x, k) { rankedAt[x.layer + ':' + x.signal + ':' + x.unit] = k; });
  var decoded = {};
  function series(k) {
    if (!decoded[k]) {
      var bin = atob(stored[k].q), a = new Uint8Array(bin.length);
      for (var j = 0; j < bin.length; j++) a[j] = bin.charCodeAt(j);
      decoded[k] = a;
    }
    return decoded[k];
  }
  function value(k, q) { var x = stored[k]; return x.lo + q * (x.hi - x.lo) / 255; }
  function palette(k) {
    var x = stored[k], centre = SIG[x.signal].centre, half = Math.max(x.hi - centre, centre - x.lo) || 1, out = new Array(256);
    for (var q = 0; q < 256; q++) {
      var d = (value(k, q) - centre) / half;
      out[q] = d >= 0 ? 'rgba(214,39,40,' + (Math.min(1, d) * 0.85).toFixed(3) + ')'
                      : 'rgba(31,119,180,' + (Math.min(1, -d) * 0.85).toFixed(3) + ')';
    }
    return out;
  }

  var layerSel = $('layer'), signalSel = $('signal'), unitSel = $('unit'), modeSel = $('mode');
  for (var L = 0; L < NEU.layers; L++) { var o = el('option', null, 'layer ' + (L + 1)); o.value = String(L); layerSel.appendChild(o); }
  SIG.forEach(function (x, k) { var o = el('option', null, x.name + ' \u2013 ' + x.title); o.value = String(k); signalSel.appendChild(o); });
  $('stored-note').textContent = 'The page holds ' + group(stored.length) + ' of the ' + group(NEU.series) +
    ' unit signals (8-bit values): the ranked units, then units 0, 1, 2 \u2026 of every layer and signal.';

  function fillUnits() {
    var l = Number(layerSel.value), sg = Number(signalSel.value);
    unitSel.textContent = '';
    var any = false;
    for (var u = 0; u < NEU.hidden; u++) {
      var key = l + ':' + sg + ':' + u;
      if (storedAt[key] === undefined) continue;
      var o = el('option', null, 'unit ' + u + (rankedAt[key] !== undefined ? ' \u2605' : ''));
      o.value = String(storedAt[key]);
      unitSel.appendChild(o);
      any = true;
    }
    if (!any) { var none = el('option', null, 'none stored'); none.value = ''; unitSel.appendChild(none); }
  }

  var mode = 'surprise', selected = -1, pal = null, tipIndex = -1, current = 0;
  function paint() {
    var k;
    if (mode === 'neuron' && selected >= 0) {
      var a = series(selected);
      for (k = 0; k < N; k++) spans[k].style.backgroundColor = pal[a[k]];
    } else {
      for (k = 0; k < N; k++) spans[k].style.backgroundColor = bits[k] === null ? '' : surpriseColour(bits[k]);
    }
    $('surprise-legend').hidden = mode !== 'surprise';
    $('neuron-legend').hidden = mode !== 'neuron';
  }
  function neuronLegend() {
    var lg = $('neuron-legend'); lg.textContent = '';
    if (selected < 0) return;
    var x = stored[selected];
    lg.appendChild(el('span', null, fixed(x.lo, 2)));
    var bar = el('span', 'bar');
    for (var q = 0; q < 256; q += 17) { var sw = el('span'); sw.style.backgroundColor = pal[q]; bar.appendChild(sw); }
    lg.appendChild(bar);
    lg.appendChild(el('span', null, fixed(x.hi, 2) + '  (layer ' + (x.layer + 1) + ' ' + SIG[x.signal].name + ' unit ' + x.unit + ')'));
  }
  function select(k) {
    selected = k;
    if (k >= 0) {
      var x = stored[k];
      layerSel.value = String(x.layer); signalSel.value = String(x.signal); fillUnits(); unitSel.value = String(k);
      pal = palette(k);
      mode = 'neuron'; modeSel.value = 'neuron';
    }
    var key = k >= 0 ? stored[k].layer + ':' + stored[k].signal + ':' + stored[k].unit : '';
    rankedButtons.forEach(function (btn, j) {
      var r = ranked[j]; btn.classList.toggle('active', r.layer + ':' + r.signal + ':' + r.unit === key);
    });
    neuronLegend();
    paint();
    if (tipIndex >= 0) showTip(tipIndex);
  }
  function fromPicker() { fillUnits(); select(unitSel.value === '' ? -1 : Number(unitSel.value)); }
  layerSel.addEventListener('change', fromPicker);
  signalSel.addEventListener('change', fromPicker);
  unitSel.addEventListener('change', function () { select(unitSel.value === '' ? -1 : Number(unitSel.value)); });
  modeSel.addEventListener('change', function () {
    mode = modeSel.value;
    if (mode === 'neuron' && selected < 0) fromPicker(); else paint();
  });

  var rankedList = $('ranked'), rankedButtons = [];
  ranked.forEach(function (r) {
    var li = el('li'), btn = el('button');
    btn.type = 'button';
    btn.appendChild(el('span', 'r', 'r = ' + (r.r > 0 ? '+' : '\u2212') + Math.abs(r.r).toFixed(2)));
    btn.appendChild(el('span', null, 'layer ' + (r.layer + 1) + ' \u00B7 ' + SIG[r.signal].name + ' \u00B7 unit ' + r.unit));
    btn.appendChild(el('div', 'muted', D.features[r.feature].name));
    btn.addEventListener('click', function () { select(storedAt[r.layer + ':' + r.signal + ':' + r.unit]); });
    li.appendChild(btn); rankedList.appendChild(li);
    rankedButtons.push(btn);
  });
  if (ranked.length === 0) rankedList.appendChild(el('li', 'muted', 'No unit follows a feature of this text (too short, or no feature varies).'));
  var constant = D.features.filter(function (f) { return !f.varies; }).map(function (f) { return f.name; });
  $('features-note').textContent = 'Features: ' + D.features.map(function (f) { return f.name; }).join(', ') + '.' +
    (constant.length ? ' Constant in this text (not ranked): ' + constant.join(', ') + '.' : '');
  fillUnits();

  // ---- the tooltip (hover and keyboard focus) ----
  var tip = $('tip');
  function showTip(i) {
    tipIndex = i;
    tip.textContent = '';
    var head = el('div', 'head', '#' + i + '  \u201C' + label(G[i]) + '\u201D');
    tip.appendChild(head);
    if (IDS[i] === 0) tip.appendChild(el('div', 'muted', 'not in the vocabulary: fed as <unk>'));
    var p = P.actual[i];
    if (p === null) {
      tip.appendChild(el('div', 'muted', 'the first grapheme: no context, not scored'));
    } else {
      tip.appendChild(el('div', null, 'p = ' + p.toPrecision(4) + '  (' + fixed(bits[i], 2) + ' bits)'));
      tip.appendChild(el('div', 'muted', P.context === 'left' ? 'top 5 after the text before it:' : 'top 5 from both sides:'));
      for (var r = 0; r < 5; r++) {
        var id = P.top[i * 5 + r];
        if (id < 0) break;
        var q = P.p[i * 5 + r];
        var row = el('div', 'tip-row' + (id === IDS[i] ? ' came' : ''));
        row.dataset.g = V[id];
        row.dataset.p = String(q);
        row.appendChild(el('span', 'tg', label(V[id])));
        row.appendChild(el('span', null, q.toFixed(4)));
        var bar = el('span', 'bar'); bar.style.width = Math.max(1, q * 100).toFixed(1) + 'px'; row.appendChild(bar);
        tip.appendChild(row);
      }
    }
    if (mode === 'neuron' && selected >= 0) {
      var x = stored[selected];
      tip.appendChild(el('div', null, 'layer ' + (x.layer + 1) + ' ' + SIG[x.signal].name + ' unit ' + x.unit + ' = ' +
        value(selected, series(selected)[i]).toFixed(3)));
    }
    tip.hidden = false;
    var rect = spans[i].getBoundingClientRect();
    var left = Math.min(rect.left, window.innerWidth - tip.offsetWidth - 8);
    var top = rect.bottom + 6;
    if (top + tip.offsetHeight > window.innerHeight) top = Math.max(0, rect.top - tip.offsetHeight - 6);
    tip.style.left = Math.max(0, left) + 'px';
    tip.style.top = top + 'px';
  }
  function hideTip() { tip.hidden = true; tipIndex = -1; }
  function moveTo(i) {
    if (i < 0 || i >= N) return;
    spans[current].tabIndex = -1;
    spans[current].classList.remove('cur');
    current = i;
    spans[i].tabIndex = 0;
    spans[i].classList.add('cur');
    spans[i].focus();
    showTip(i);
  }
  view.addEventListener('mouseover', function (e) { if (e.target.i !== undefined) showTip(e.target.i); });
  view.addEventListener('mouseleave', function () { if (!view.contains(document.activeElement)) hideTip(); });
  view.addEventListener('focusin', function (e) { if (e.target.i !== undefined && e.target.i !== current) moveTo(e.target.i); else if (e.target.i !== undefined) showTip(e.target.i); });
  view.addEventListener('focusout', function (e) { if (!view.contains(e.relatedTarget)) hideTip(); });
  view.addEventListener('keydown', function (e) {
    var from = e.target.i !== undefined ? e.target.i : current, to = -1;
    if (e.key === 'ArrowRight') to = from + 1;
    else if (e.key === 'ArrowLeft') to = from - 1;
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = N - 1;
    else if (e.key === 'Escape') { hideTip(); return; }
    else return;
    e.preventDefault();
    moveTo(Math.max(0, Math.min(N - 1, to)));
  });

  // ---- 4. gate saturation ----
  var colours = ['#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#ff7f0e'];
  var satBox = $('saturation');
  if (D.saturation.length === 0 || D.saturation[0].gates.length === 0) {
    satBox.appendChild(el('p', 'muted', 'This cell (' + M.cell + ') has no gates.'));
  } else {
    D.saturation.forEach(function (layer) {
      var S = 260, m = 36, fig = el('figure');
      fig.appendChild(el('figcaption', null, 'layer ' + (layer.layer + 1)));
      var sv = svg('svg', { width: S + m + 10, height: S + m + 10, role: 'img', 'aria-label': 'gate saturation, layer ' + (layer.layer + 1) });
      function X(v) { return m + v * S; }
      function Y(v) { return 10 + S - v * S; }
      sv.appendChild(svg('rect', { x: m, y: 10, width: S, height: S, fill: '#fff', stroke: '#ccc' }));
      sv.appendChild(svg('line', { x1: X(0), y1: Y(1), x2: X(1), y2: Y(0), stroke: '#ddd', 'stroke-dasharray': '4 3' }));
      [0, 0.5, 1].forEach(function (v) {
        sv.appendChild(svg('text', { x: X(v), y: 10 + S + 14, 'text-anchor': 'middle' }, v));
        sv.appendChild(svg('text', { x: m - 4, y: Y(v) + 4, 'text-anchor': 'end' }, v));
      });
      sv.appendChild(svg('text', { x: m + S / 2, y: S + m + 6, 'text-anchor': 'middle' }, 'fraction left-saturated (< 0.1)'));
      sv.appendChild(svg('text', { x: 10, y: 10 + S / 2, transform: 'rotate(-90 10 ' + (10 + S / 2) + ')', 'text-anchor': 'middle' }, 'right-saturated (> 0.9)'));
      layer.gates.forEach(function (gate, k) {
        var colour = colours[k % colours.length];
        for (var u = 0; u < gate.left.length; u++) {
          var dot = svg('circle', { cx: X(gate.left[u]).toFixed(1), cy: Y(gate.right[u]).toFixed(1), r: 2.2, fill: colour, 'fill-opacity': 0.55 });
          dot.appendChild(svg('title', {}, gate.name + ' unit ' + u + ': ' + gate.left[u] + ' left, ' + gate.right[u] + ' right'));
          sv.appendChild(dot);
        }
      });
      fig.appendChild(sv);
      var key = el('div', 'legend');
      layer.gates.forEach(function (gate, k) {
        var sw = el('span'); sw.style.cssText = ''; sw.style.display = 'inline-block'; sw.style.width = '10px'; sw.style.height = '10px';
        sw.style.borderRadius = '5px'; sw.style.backgroundColor = colours[k % colours.length];
        key.appendChild(sw); key.appendChild(el('span', null, gate.name + ' (' + gate.title + ')  '));
      });
      fig.appendChild(key);
      satBox.appendChild(fig);
    });
  }

  // ---- 5. samples ----
  if (D.samples === undefined) {
    $('samples-section').hidden = true;
  } else if (D.samples === null) {
    $('samples').appendChild(el('p', 'muted', 'A bidirectional model fills holes in known text; it does not sample left to right.'));
  } else {
    D.samples.forEach(function (x) {
      $('samples').appendChild(el('h3', null, 'temperature ' + x.temperature.toFixed(1) + ' (seed ' + x.seed + ')'));
      $('samples').appendChild(el('pre', 'sample', x.text));
    });
  }

  paint();
  var readyMs = performance.now();
  document.body.setAttribute('data-ready-ms', readyMs.toFixed(1));
  $('status').textContent = 'interactive ' + Math.round(readyMs) + ' ms after navigation start';

  // ---- #pick=R colours the text by ranked unit R, #hover=N opens position N's tooltip (links, screenshots) ----
  var params = {};
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) { var p = kv.split('='); params[p[0]] = p[1]; });
  if (params.pick !== undefined && rankedButtons[Number(params.pick)]) rankedButtons[Number(params.pick)].click();
  if (params.hover !== undefined && Number(params.hover) >= 0 && Number(params.hover) < N) {
    spans[Number(params.hover)].dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
  }

  // ---- self-test (#selftest or #selftest=POS,POS,...): exercises hover, keyboard and picker ----
  if (/^#selftest/.test(location.hash)) {
    var fails = [];
    var check = function (ok, what) { if (!ok) fails.push(what); };
    check(view.querySelectorAll('span.g').length === N, 'one element per grapheme');
    var wanted = (location.hash.split('=')[1] || '').split(',').filter(function (x) { return x !== ''; }).map(Number);
    var hovered = wanted.map(function (i) {
      if (!(i >= 0 && i < N)) { fails.push('position ' + i + ' is outside the text'); return null; }
      spans[i].dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
      check(!tip.hidden && tipIndex === i, 'hovering position ' + i + ' shows its tooltip');
      return { position: i, grapheme: G[i], actual: P.actual[i],
        top: Array.prototype.map.call(tip.querySelectorAll('.tip-row'), function (row) {
          return { grapheme: row.dataset.g, probability: Number(row.dataset.p) };
        }) };
    });
    if (N >= 3) {
      spans[1].focus();
      spans[1].dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
      check(current === 2 && tipIndex === 2 && document.activeElement === spans[2], 'ArrowRight moves the focus and the tooltip');
    }
    var probe = document.createElement('span');
    function normal(c) { probe.style.backgroundColor = c; return probe.style.backgroundColor; }
    function coloured(k) {
      var a = series(k), pl = palette(k);
      for (var t = 0; t < N; t++) if (spans[t].style.backgroundColor !== normal(pl[a[t]])) return false;
      return true;
    }
    var picked = [];
    if (ranked.length > 0) {
      var r0 = ranked[0];
      rankedButtons[0].click();
      var k0 = storedAt[r0.layer + ':' + r0.signal + ':' + r0.unit];
      check(selected === k0 && Number(unitSel.value) === k0 && Number(layerSel.value) === r0.layer &&
            Number(signalSel.value) === r0.signal, 'clicking a ranked unit selects it in the picker');
      check(mode === 'neuron' && coloured(k0), 'the text is coloured by the ranked unit');
      picked.push({ layer: r0.layer, signal: SIG[r0.signal].name, unit: r0.unit });
    }
    if (stored.length > 0) {
      var target = stored[stored.length - 1];
      layerSel.value = String(target.layer); layerSel.dispatchEvent(new Event('change'));
      signalSel.value = String(target.signal); signalSel.dispatchEvent(new Event('change'));
      unitSel.value = String(stored.length - 1); unitSel.dispatchEvent(new Event('change'));
      check(selected === stored.length - 1 && coloured(stored.length - 1), 'the picker re-colours the text by the picked unit');
      picked.push({ layer: target.layer, signal: SIG[target.signal].name, unit: target.unit });
      if (N > 0) { spans[0].dispatchEvent(new MouseEvent('mouseover', { bubbles: true })); check(/ unit \d+ = /.test(tip.textContent), 'the tooltip shows the unit\u2019s value'); }
    }
    modeSel.value = 'surprise'; modeSel.dispatchEvent(new Event('change'));
    check(N === 0 || bits[N - 1] === null || spans[N - 1].style.backgroundColor === normal(surpriseColour(bits[N - 1])), 'back to surprise colours');
    check(document.title === 'charlstm show', 'the title is unchanged');
    check(document.querySelectorAll('img, iframe, object, embed').length === 0, 'no element came from the data');
    var result = { ok: fails.length === 0, failures: fails, graphemes: N, elements: view.querySelectorAll('span.g').length,
      hovered: hovered, picked: picked, readyMs: readyMs, selftestMs: performance.now() - readyMs };
    if (N <= 5000) result.text = Array.prototype.map.call(spans, function (x) { return x.textContent; }).join('');
    var out = el('pre', null, JSON.stringify(result));
    out.id = 'selftest-result';
    document.body.appendChild(out);
    hideTip();
  }
})();
"""#
}
