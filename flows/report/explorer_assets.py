"""The explorer's inline style and script (see :mod:`literacy_flows.report.explorer`).

Plain CSS and JavaScript (ES2017, no library, nothing fetched): the charts are SVG drawn by the
script, so the file works offline from ``file://`` and stays small. Markers differ by shape and
lines by dash, so every distinction survives greyscale printing.
"""

STYLE = r"""
:root { --ink: #1a1a1a; --muted: #5a5a5a; --rule: #c8c8c8; --sel: #fff3b0; --focus: #0b57d0; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", system-ui, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1180px; padding: 16px 20px 40px; line-height: 1.45; }
h1 { font-size: 1.5rem; margin: 0 0 4px; } h2 { font-size: 1.15rem; margin: 18px 0 8px; }
.sub { color: var(--muted); margin: 0 0 12px; }
.controls { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; padding: 10px 0;
            border-top: 1px solid var(--rule); border-bottom: 1px solid var(--rule); }
.controls label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: 2px; }
select, button { font: inherit; font-size: .95rem; padding: 4px 8px; border: 1px solid #888; border-radius: 3px;
                 background: #fff; color: var(--ink); }
button[aria-pressed="true"] { background: var(--ink); color: #fff; }
.tabs { display: flex; gap: 4px; } .spacer { flex: 1; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; margin: 6px 0; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 8px; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th button { border: none; background: none; padding: 0; font-weight: 600; cursor: pointer; }
th[aria-sort="ascending"] button::after { content: " \25B2"; } th[aria-sort="descending"] button::after { content: " \25BC"; }
tbody tr { cursor: pointer; } tbody tr.selected { background: var(--sel); }
tbody tr:hover { background: #f2f2f2; } tbody tr.selected:hover { background: var(--sel); }
.note { color: var(--muted); font-size: .88rem; } .warn { border-left: 4px solid #666; padding: 4px 10px; background: #f4f4f4; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: .88rem; color: var(--muted); margin: 8px 0; }
.legend span { white-space: nowrap; }
svg text { font-size: 12px; fill: var(--ink); } svg .axis { stroke: #888; } svg .grid { stroke: #e3e3e3; }
svg g.row:focus { outline: none; } svg g.row:focus rect.hit, svg g.row.selected rect.hit { fill: var(--sel); }
.grid-table td { text-align: center; } .grid-table td.model { font-style: italic; }
details { margin: 4px 0; } summary { cursor: pointer; font-weight: 600; }
#selected { margin-top: 14px; }
@media print { .controls, #download { display: none; } }
"""

SCRIPT = r"""
(function () {
  'use strict';
  var P = JSON.parse(document.getElementById('explorer-data').textContent);
  var app = document.getElementById('app');
  var rounds = P.rounds.map(function (r) { return r.id; });
  var S = { lang: P.lang, view: 'table', round: rounds[rounds.length - 1], level: P.headline_level,
            breakdown: 'district', kind: 'direct', change: 'raw', sel: null, sortKey: null, sortDir: 1 };

  function t(key) { var u = P.ui[S.lang]; return (u && key in u) ? u[key] : key; }
  function L(o) { return o ? (S.lang === 'zh' ? o.zh : o.en) : ''; }
  function num(x) { return x === null || x === undefined || (typeof x === 'number' && isNaN(x)); }
  function pct(x, d) { return num(x) ? '\u2014' : (100 * x).toFixed(d === undefined ? 1 : d) + '%'; }
  function pts(x) { return num(x) ? '\u2014' : (x >= 0 ? '+' : '\u2212') + Math.abs(100 * x).toFixed(1); }
  function pval(p) { return num(p) ? '\u2014' : (p < 0.001 ? '<0.001' : p.toFixed(3)); }
  function esc(s) { return String(s === null || s === undefined ? '' : s).replace(/[&<>"]/g, function (c) {
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }); }
  function el(tag, attrs, html) { var e = document.createElement(tag);
    for (var k in (attrs || {})) { if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]); }
    if (html !== undefined) e.innerHTML = html; return e; }
  function byLabel(list, code) { for (var i = 0; i < list.length; i++) if (list[i].code === code) return list[i]; return null; }
  function flag(rel) { return rel === 'review' ? ' \u2020' : (rel === 'suppress' ? ' \u2021' : ''); }
  function marker(kind, src) { return kind === 'linked' ? '\u25B2' : ((kind === 'small_area' && src === 'model') ? '\u25C7' : '\u25CF'); }

  // ------------------------------------------------------------------ rows of each view
  function estimateRows() {
    return P.estimates.filter(function (r) {
      return r.k === S.kind && r.r === S.round && r.l === S.level && r.b === S.breakdown; });
  }
  function changeRows() {
    return P.changes.filter(function (r) { return r.k === S.change && r.l === S.level && r.b === S.breakdown; });
  }
  function verdictOf(r) {
    for (var i = 0; i < P.verdicts.length; i++) { var v = P.verdicts[i];
      if (v.r === r.r && v.b === r.b && v.d === r.d && v.l === r.l) return v; }
    return null;
  }
  var COLS = {
    table: [
      { key: 'label', head: 'domain', text: function (r) { return L(r) + flag(r.rel); }, sort: function (r) { return L(r); } },
      { key: 'e', head: 'estimate', text: function (r) { return r.sup ? '\u2014' : pct(r.e); }, sort: function (r) { return r.sup ? null : r.e; } },
      { key: 'ci', head: 'ci', text: function (r) { return r.sup ? '' : pct(r.lo) + ' \u2013 ' + pct(r.hi); }, sort: function (r) { return r.lo; } },
      { key: 'n', head: 'n', text: function (r) { return num(r.n) ? '' : String(r.n); }, sort: function (r) { return r.n; } },
      { key: 'src', head: 'source', text: function (r) { return marker(r.k, r.src) + ' ' + t('src_' + (r.k === 'small_area' ? r.src : r.k)); }, sort: function (r) { return r.src || r.k; } },
      { key: 'target', head: 'target', text: function (r) { var v = verdictOf(r); return v ? pct(v.t) : ''; }, sort: function (r) { var v = verdictOf(r); return v ? v.t : -1; } },
      { key: 'verdict', head: 'verdict', text: function (r) { var v = verdictOf(r); return v ? L({ zh: v.zh, en: v.en }) : ''; }, sort: function (r) { var v = verdictOf(r); return v ? v.v : ''; } }
    ],
    change: [
      { key: 'label', head: 'domain', text: function (r) { return L(r); }, sort: function (r) { return L(r); } },
      { key: 'e0', head: 'baseline', text: function (r) { return r.sup ? '\u2014' : pct(r.e0); }, sort: function (r) { return r.e0; } },
      { key: 'e1', head: 'endline', text: function (r) { return r.sup ? '\u2014' : pct(r.e1); }, sort: function (r) { return r.e1; } },
      { key: 'c', head: 'change', text: function (r) { return r.sup ? '\u2014' : pts(r.c) + (r.sig ? ' *' : ''); }, sort: function (r) { return r.c; } },
      { key: 'ci', head: 'change_ci', text: function (r) { return r.sup ? '' : pts(r.lo) + ' \u2013 ' + pts(r.hi); }, sort: function (r) { return r.lo; } },
      { key: 'p', head: 'p_bh', text: function (r) { return pval(r.p); }, sort: function (r) { return r.p; } },
      { key: 'cmp', head: 'comparable', text: function (r) { return r.cmp === false ? t('no') : (r.cmp === true ? t('yes') : ''); }, sort: function (r) { return String(r.cmp); } }
    ]
  };

  function sorted(rows, cols) {
    if (!S.sortKey) return rows;
    var col = cols.filter(function (c) { return c.key === S.sortKey; })[0];
    if (!col) return rows;
    return rows.slice().sort(function (a, b) { var x = col.sort(a), y = col.sort(b);
      if (x === y) return 0; if (num(x)) return 1; if (num(y)) return -1;
      return (x < y ? -1 : 1) * S.sortDir; });
  }

  // ------------------------------------------------------------------ table
  function tableEl(rows, cols, caption) {
    var tb = el('table');
    tb.appendChild(el('caption', {}, esc(caption)));
    var thead = el('thead'), tr = el('tr');
    cols.forEach(function (c) {
      var sort = S.sortKey === c.key ? (S.sortDir > 0 ? 'ascending' : 'descending') : 'none';
      var th = el('th', { scope: 'col', 'aria-sort': sort });
      var b = el('button', { type: 'button', 'data-sort': c.key }, esc(t(c.head)));
      b.addEventListener('click', function () {
        if (S.sortKey === c.key) S.sortDir = -S.sortDir; else { S.sortKey = c.key; S.sortDir = 1; }
        render();
      });
      th.appendChild(b); tr.appendChild(th);
    });
    thead.appendChild(tr); tb.appendChild(thead);
    var body = el('tbody');
    sorted(rows, cols).forEach(function (r) {
      var row = el('tr', { tabindex: '0', 'data-domain': r.d, 'aria-selected': String(S.sel === r.d) });
      if (S.sel === r.d) row.className = 'selected';
      cols.forEach(function (c, i) {
        var cell = el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : {}, esc(c.text(r)));
        if (i === 0) cell.style.fontWeight = 'normal';
        row.appendChild(cell);
      });
      row.addEventListener('click', function () { select(r.d); });
      row.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); select(r.d); }
        if (ev.key === 'ArrowDown' && row.nextElementSibling) { ev.preventDefault(); row.nextElementSibling.focus(); }
        if (ev.key === 'ArrowUp' && row.previousElementSibling) { ev.preventDefault(); row.previousElementSibling.focus(); }
      });
      body.appendChild(row);
    });
    tb.appendChild(body);
    return tb;
  }

  // ------------------------------------------------------------------ chart (SVG)
  var NS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) { var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; }
  function chartEl(rows) {
    var shown = rows.filter(function (r) { return !r.sup && !num(r.e); });
    // the label column as wide as the longest label (12 px text: about 12 px a CJK character, 6.6 px a Latin one)
    function textWidth(s) { var w = 0; for (var i = 0; i < s.length; i++) w += s.charCodeAt(i) > 0x2E80 ? 12 : 6.6; return w; }
    var longest = 0;
    shown.forEach(function (r) { longest = Math.max(longest, textWidth(L(r) + flag(r.rel))); });
    var left = Math.min(460, Math.max(140, longest + 20)), right = 30, width = 900, rowH = 24, top = 28;
    var height = top + rowH * Math.max(shown.length, 1) + 34;
    var max = 0;
    shown.forEach(function (r) { max = Math.max(max, r.hi || r.e); });
    if (!num(P.target)) max = Math.max(max, P.target);
    if (P.national && !num(P.national.rate)) max = Math.max(max, P.national.rate);
    var step = max > 0.4 ? 0.1 : (max > 0.2 ? 0.05 : (max > 0.08 ? 0.02 : 0.01));
    max = Math.ceil(max * 1.05 / step) * step || 0.1;
    function x(v) { return left + (width - left - right) * v / max; }
    var s = svg('svg', { width: '100%', viewBox: '0 0 ' + width + ' ' + height, role: 'group',
                         'aria-label': t('chart_label') });
    for (var v = 0; v <= max + 1e-9; v += step) {
      s.appendChild(svg('line', { x1: x(v), x2: x(v), y1: top - 6, y2: height - 30, 'class': 'grid' }));
      s.appendChild(svg('text', { x: x(v), y: height - 14, 'text-anchor': 'middle' }, (100 * v).toFixed(0) + '%'));
    }
    function refLine(value, dash, name, anchor) {   // the target's label to the left, the national's to the right
      if (num(value)) return;
      s.appendChild(svg('line', { x1: x(value), x2: x(value), y1: top - 10, y2: height - 30, stroke: '#1a1a1a',
                                   'stroke-width': 1.5, 'stroke-dasharray': dash }));
      s.appendChild(svg('text', { x: x(value) + (anchor === 'end' ? -4 : 4), y: top - 14, 'text-anchor': anchor }, name));
    }
    refLine(P.target, '6 4', t('target') + ' ' + pct(P.target, 0), 'end');
    if (P.national) refLine(P.national.rate, '2 3', t('national') + ' ' + pct(P.national.rate), 'start');
    shown.forEach(function (r, i) {
      var y = top + i * rowH + rowH / 2;
      var g = svg('g', { 'class': 'row' + (S.sel === r.d ? ' selected' : ''), tabindex: '0', role: 'img',
                         'data-domain': r.d,
                         'aria-label': L(r) + ': ' + pct(r.e) + ' (' + pct(r.lo) + ' \u2013 ' + pct(r.hi) + ')' });
      g.appendChild(svg('rect', { 'class': 'hit', x: 0, y: y - rowH / 2, width: width, height: rowH, fill: 'transparent' }));
      g.appendChild(svg('text', { x: left - 8, y: y + 4, 'text-anchor': 'end' }, L(r) + flag(r.rel)));
      g.appendChild(svg('line', { x1: x(r.lo), x2: x(r.hi), y1: y, y2: y, stroke: '#1a1a1a', 'stroke-width': 2 }));
      var m = marker(r.k, r.src), cx = x(r.e);
      if (m === '\u25B2') g.appendChild(svg('path', { d: 'M' + cx + ' ' + (y - 6) + 'l6 10h-12z', fill: '#1a1a1a' }));
      else if (m === '\u25C7') g.appendChild(svg('path', { d: 'M' + cx + ' ' + (y - 6) + 'l6 6l-6 6l-6 -6z', fill: '#fff', stroke: '#1a1a1a', 'stroke-width': 1.6 }));
      else g.appendChild(svg('circle', { cx: cx, cy: y, r: 5, fill: '#1a1a1a' }));
      g.appendChild(svg('title', {}, L(r) + ': ' + pct(r.e) + ' (' + pct(r.lo) + ' \u2013 ' + pct(r.hi) + ')'));
      g.addEventListener('click', function () { select(r.d); });
      g.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); select(r.d); } });
      s.appendChild(g);
    });
    return s;
  }

  // ------------------------------------------------------------------ district x group grid
  function gridRows() {
    return P.estimates.filter(function (r) { return r.k === 'small_area' && r.b === P.grid_breakdown &&
      r.r === S.round && r.l === S.level; });
  }
  function gridEl(rows) {
    var districts = [], groups = [], cells = {};
    rows.forEach(function (r) {
      var parts = r.d.split('+'), dz = r.zh.split('\u00B7'), de = r.en.split(' \u00B7 ');
      if (!districts.some(function (d) { return d.code === parts[0]; })) districts.push({ code: parts[0], zh: dz[0], en: de[0] });
      if (!groups.some(function (g) { return g.code === parts[1]; })) groups.push({ code: parts[1], zh: dz[1] || parts[1], en: de[1] || parts[1] });
      cells[r.d] = r;
    });
    var tb = el('table', { 'class': 'grid-table' });
    tb.appendChild(el('caption', {}, esc(t('grid_caption'))));
    var head = el('tr'); head.appendChild(el('th', { scope: 'col' }, esc(t('district'))));
    groups.forEach(function (g) { head.appendChild(el('th', { scope: 'col' }, esc(L(g)))); });
    var thead = el('thead'); thead.appendChild(head); tb.appendChild(thead);
    var body = el('tbody');
    districts.forEach(function (d) {
      var tr = el('tr'); tr.appendChild(el('th', { scope: 'row' }, esc(L(d))));
      groups.forEach(function (g) {
        var r = cells[d.code + '+' + g.code];
        var td = el('td', { tabindex: '0', 'data-domain': r ? r.d : '' });
        if (r) {
          td.innerHTML = esc(marker('small_area', r.src) + ' ' + pct(r.e));
          td.title = L(r) + ': ' + pct(r.lo) + ' \u2013 ' + pct(r.hi) + ' (' + t('src_' + r.src) + ')';
          td.setAttribute('aria-label', td.title);
          if (r.src === 'model') td.className = 'model';
          if (S.sel === r.d) td.className += ' selected';
          td.addEventListener('click', function () { select(r.d); });
          td.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); select(r.d); } });
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    tb.appendChild(body);
    return tb;
  }

  // ------------------------------------------------------------------ the selected domain everywhere
  function selectedEl() {
    if (!S.sel) return el('p', { 'class': 'note' }, esc(t('select_hint')));
    var rows = P.estimates.filter(function (r) { return r.d === S.sel; });
    var cols = [
      { key: 'k', head: 'kind', text: function (r) { return r.k === 'small_area' ? t('small_area_table') + ' \u00B7 ' + t('src_' + r.src) : t('src_' + r.k); } },
      { key: 'r', head: 'round', text: function (r) { return r.r; } },
      { key: 'l', head: 'level', text: function (r) { return L(byLabel(P.levels, r.l)); } },
      { key: 'e', head: 'estimate', text: function (r) { return r.sup ? '\u2014' : pct(r.e) + flag(r.rel); } },
      { key: 'ci', head: 'ci', text: function (r) { return r.sup ? '' : pct(r.lo) + ' \u2013 ' + pct(r.hi); } }
    ];
    var box = el('section', { id: 'selected', 'aria-live': 'polite' });
    var name = rows.length ? L(rows[0]) : S.sel;
    box.appendChild(el('h2', {}, esc(t('selected') + ': ' + name)));
    var tb = el('table'); tb.appendChild(el('caption', {}, esc(t('selected_caption'))));
    var tr = el('tr'); cols.forEach(function (c) { tr.appendChild(el('th', { scope: 'col' }, esc(t(c.head)))); });
    var th = el('thead'); th.appendChild(tr); tb.appendChild(th);
    var body = el('tbody');
    rows.forEach(function (r) { var row = el('tr');
      cols.forEach(function (c) { row.appendChild(el('td', {}, esc(c.text(r)))); }); body.appendChild(row); });
    tb.appendChild(body); box.appendChild(tb);
    return box;
  }
  function select(d) { S.sel = (S.sel === d ? null : d); render(); focusDomain(d); }
  function focusDomain(d) {
    var e = app.querySelector('[data-domain="' + d + '"]'); if (e && e.focus) e.focus();
  }

  // ------------------------------------------------------------------ CSV of the current view
  function currentCsv() {
    var rows, cols;
    if (S.view === 'change') { rows = sorted(changeRows(), COLS.change); cols = COLS.change; }
    else if (S.view === 'grid') { rows = gridRows(); cols = COLS.table; }
    else { rows = sorted(estimateRows(), COLS.table); cols = COLS.table; }
    var lines = [cols.map(function (c) { return t(c.head); })];
    rows.forEach(function (r) { lines.push(cols.map(function (c) { return c.text(r); })); });
    return '\uFEFF' + lines.map(function (l) { return l.map(function (v) {
      v = String(v); return /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }).join(','); }).join('\r\n');
  }
  function download() {
    var blob = new Blob([currentCsv()], { type: 'text/csv;charset=utf-8' });
    var a = el('a', { href: URL.createObjectURL(blob), download: 'explorer_' + S.view + '_' + S.level + '.csv' });
    document.body.appendChild(a); a.click(); setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  // ------------------------------------------------------------------ controls and page
  function selectEl(name, options, value, onChange) {
    var lab = el('label', {}, esc(t(name)));
    var s = el('select', { id: 'ctl-' + name, name: name });
    options.forEach(function (o) { var op = el('option', { value: o.value }, esc(o.text)); if (o.value === value) op.selected = true; s.appendChild(op); });
    s.addEventListener('change', function () { onChange(s.value); render(); var n = document.getElementById('ctl-' + name); if (n) n.focus(); });
    lab.appendChild(s); return lab;
  }
  function controls() {
    var c = el('div', { 'class': 'controls', role: 'toolbar', 'aria-label': t('controls') });
    var tabs = el('div', { 'class': 'tabs', role: 'group', 'aria-label': t('view') });
    ['table', 'chart', 'change', 'grid'].forEach(function (v) {
      var b = el('button', { type: 'button', 'aria-pressed': String(S.view === v), 'data-view': v }, esc(t('view_' + v)));
      b.addEventListener('click', function () { S.view = v; S.sortKey = null; render(); var n = app.querySelector('[data-view="' + v + '"]'); if (n) n.focus(); });
      tabs.appendChild(b);
    });
    c.appendChild(tabs);
    if (S.view !== 'change') c.appendChild(selectEl('round', P.rounds.map(function (r) { return { value: r.id, text: r.id + ' ' + L(r.role_label) }; }), S.round, function (v) { S.round = v; }));
    c.appendChild(selectEl('level', P.levels.map(function (l) { return { value: l.code, text: L(l) }; }), S.level, function (v) { S.level = v; }));
    if (S.view === 'table' || S.view === 'chart') {
      c.appendChild(selectEl('kind', P.kinds.map(function (k) { return { value: k.code, text: L(k) }; }), S.kind, function (v) {
        S.kind = v; var have = P.breakdowns.filter(function (b) { return b.kinds.indexOf(v) >= 0; });
        if (!have.some(function (b) { return b.code === S.breakdown; }) && have.length) S.breakdown = have[0].code; }));
      c.appendChild(selectEl('breakdown', P.breakdowns.filter(function (b) { return b.kinds.indexOf(S.kind) >= 0; })
        .map(function (b) { return { value: b.code, text: L(b) }; }), S.breakdown, function (v) { S.breakdown = v; }));
    }
    if (S.view === 'change') {
      c.appendChild(selectEl('change_kind', [{ value: 'raw', text: t('change_raw') }, { value: 'linked', text: t('change_linked') }],
                             S.change, function (v) { S.change = v; }));
      c.appendChild(selectEl('breakdown', P.breakdowns.filter(function (b) { return b.change; })
        .map(function (b) { return { value: b.code, text: L(b) }; }), S.breakdown, function (v) { S.breakdown = v; }));
    }
    c.appendChild(el('span', { 'class': 'spacer' }));
    var lang = el('button', { type: 'button', id: 'lang', lang: S.lang === 'zh' ? 'en' : 'zh' }, S.lang === 'zh' ? 'English' : '\u4E2D\u6587');
    lang.addEventListener('click', function () { S.lang = S.lang === 'zh' ? 'en' : 'zh'; render(); document.getElementById('lang').focus(); });
    c.appendChild(lang);
    var dl = el('button', { type: 'button', id: 'download' }, esc(t('download')));
    dl.addEventListener('click', download);
    c.appendChild(dl);
    return c;
  }
  function legend() {
    var g = el('div', { 'class': 'legend', role: 'note', 'aria-label': t('legend') });
    ['legend_direct', 'legend_linked', 'legend_model', 'legend_review', 'legend_suppress', 'legend_sig',
     'legend_target', 'legend_national'].forEach(function (k) { g.appendChild(el('span', {}, esc(t(k)))); });
    return g;
  }
  var render = function () {
    document.documentElement.lang = S.lang === 'zh' ? 'zh-CN' : 'en';
    document.title = L(P.title);
    app.innerHTML = '';
    app.appendChild(el('h1', {}, esc(L(P.title))));
    app.appendChild(el('p', { 'class': 'sub' }, esc(L(P.subtitle))));
    app.appendChild(controls());
    var main = el('main', { id: 'view', 'data-view': S.view });
    var cap;
    if (S.view === 'change') {
      cap = t('view_change') + ' \u00B7 ' + L(byLabel(P.levels, S.level)) + ' \u00B7 ' + L(byLabel(P.breakdowns, S.breakdown));
      if (S.change === 'raw' && P.forms_differ) main.appendChild(el('p', { 'class': 'warn' }, esc(L(P.comparability))));
      main.appendChild(tableEl(changeRows(), COLS.change, cap));
    } else if (S.view === 'grid') {
      main.appendChild(gridEl(gridRows()));
    } else {
      var rows = estimateRows();
      cap = L(byLabel(P.kinds, S.kind)) + ' \u00B7 ' + S.round + ' \u00B7 ' + L(byLabel(P.levels, S.level)) + ' \u00B7 ' + L(byLabel(P.breakdowns, S.breakdown));
      if (S.view === 'chart') { main.appendChild(el('h2', {}, esc(cap))); main.appendChild(chartEl(rows)); }
      else main.appendChild(tableEl(rows, COLS.table, cap));
      if (!rows.length) main.appendChild(el('p', { 'class': 'note' }, esc(t('no_rows'))));
    }
    app.appendChild(main);
    app.appendChild(legend());
    app.appendChild(selectedEl());
    var m = el('section', { id: 'methods' }); m.appendChild(el('h2', {}, esc(t('methods'))));
    P.methods.forEach(function (x) { var d = el('details'); d.appendChild(el('summary', {}, esc(L(x.title))));
      d.appendChild(el('p', {}, esc(L(x.text)))); m.appendChild(d); });
    app.appendChild(m);
    app.setAttribute('data-ready', 'true');
  };
  // the state in the address (#view=chart&lang=en&...): a view can be bookmarked or sent
  function readHash() {
    (location.hash || '').replace(/^#/, '').split('&').forEach(function (kv) {
      var i = kv.indexOf('='); if (i < 0) return;
      var k = decodeURIComponent(kv.slice(0, i)), v = decodeURIComponent(kv.slice(i + 1));
      if (k in S && k !== 'sortDir') S[k] = v === '' ? null : v;
    });
  }
  function writeHash() {
    var h = ['view', 'lang', 'round', 'level', 'breakdown', 'kind', 'change', 'sel'].map(function (k) {
      return k + '=' + encodeURIComponent(S[k] === null ? '' : S[k]); }).join('&');
    try { history.replaceState(null, '', '#' + h); } catch (e) { /* some file:// settings forbid it */ }
  }
  var draw = render;
  render = function () { draw(); writeHash(); };
  window.literacyExplorer = { state: S, render: render, csv: currentCsv, select: select };
  readHash();
  render();
})();
"""
