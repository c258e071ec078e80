"""The data explorer (literacy_flows.report.explorer): payload, self-containment, and the page in Chromium.

The browser test loads the page from ``file://`` in Debian's headless Chromium (no download),
with a probe script appended that drives the page as a user would (language switch, sorting,
selecting a row by click and by keyboard, every view, the CSV of the view) and writes what it saw
into the DOM, which ``--dump-dom`` returns.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from literacy_flows.report.explorer import explorer_html, explorer_payload

EST_COLS = ["round", "breakdown", "domain", "label_zh", "label_en", "level", "estimate", "se", "ci_low", "ci_high",
            "n", "reliability", "suppressed"]


def _tables() -> dict[str, pd.DataFrame]:
    rows = []
    for rnd, shift in (("2020", 0.0), ("2025", 0.02)):
        for dom, zh, en, e, n, rel, sup in (("all", "全市", "City", 0.10, 4000, "present", False),
                                            ("east", "东区", "East", 0.12, 1500, "present", False),
                                            ("west", "西区", "West", 0.07, 900, "review", False),
                                            ("north", "北区", "North", np.nan, 20, "suppress", True)):
            b = "city" if dom == "all" else "district"
            rows.append([rnd, b, dom, zh, en, "literate", e + shift, 0.01, e + shift - 0.02, e + shift + 0.02,
                         n, rel, sup])
    est = pd.DataFrame(rows, columns=EST_COLS)
    linked = est.assign(estimate=est["estimate"] - 0.01)
    change = pd.DataFrame({
        "breakdown": ["district", "district"], "domain": ["east", "west"], "label_zh": ["东区", "西区"],
        "label_en": ["East", "West"], "level": "literate", "baseline_round": "2020", "endline_round": "2025",
        "baseline": [0.12, 0.07], "endline": [0.14, 0.09], "change": [0.02, 0.02], "ci_low": [0.001, -0.01],
        "ci_high": [0.04, 0.05], "p_value_bh": [0.03, 0.2], "significant_bh": [True, False], "comparable": False,
        "suppressed": False})
    sa = pd.DataFrame({
        "round": "2025", "breakdown": "district+group", "domain": ["east+youth", "east+elderly", "west+youth",
                                                                   "west+elderly"],
        "label_zh": ["东区·青少年", "东区·老年人", "西区·青少年", "西区·老年人"],
        "label_en": ["East · Youth", "East · Elderly", "West · Youth", "West · Elderly"], "level": "literate",
        "n": [300, 40, 200, 25], "published": [0.2, 0.03, 0.18, 0.02], "published_ci_low": [0.16, 0.01, 0.13, 0.005],
        "published_ci_high": [0.25, 0.06, 0.24, 0.05], "source": ["direct", "model", "direct", "model"],
        "reliability": ["present", "suppress", "present", "suppress"]})
    verdicts = pd.DataFrame({"round": "2025", "breakdown": ["city", "district", "district"],
                             "domain": ["all", "east", "west"], "level": "literate", "target": 0.12,
                             "verdict": ["inconclusive", "met", "not_met"], "verdict_zh": ["无法判定", "达到目标", "未达到目标"],
                             "verdict_en": ["inconclusive", "met", "not met"]})
    return {"estimates": est, "estimates_linked": linked, "small_area": sa, "change": change,
            "change_linked": change.assign(comparable=True), "verdicts": verdicts}


META = {"title": {"zh": "测试市 数据浏览", "en": "Test city: data explorer"},
        "subtitle": {"zh": "基线—终期", "en": "baseline — endline"},
        "rounds": [{"id": "2020", "role": "baseline"}, {"id": "2025", "role": "endline"}],
        "levels": [{"code": "literate", "zh": "具备科学素质", "en": "Has scientific literacy"}],
        "breakdowns": [{"code": "city", "zh": "全市", "en": "City"}, {"code": "district", "zh": "区", "en": "District"},
                       {"code": "district+group", "zh": "区×重点人群", "en": "District × key group"}],
        "target": 0.12, "national": {"rate": 0.1537, "year": 2024}}


def test_payload_holds_every_published_row():
    t = _tables()
    p = explorer_payload(t, META)
    assert len(p["estimates"]) == len(t["estimates"]) + len(t["estimates_linked"]) + len(t["small_area"])
    north = [r for r in p["estimates"] if r["d"] == "north" and r["k"] == "direct"]
    assert all(r["sup"] and r["e"] is None for r in north)                 # NaN -> null, flagged
    assert len(p["changes"]) == 4 and p["forms_differ"]                    # raw change not comparable
    assert p["grid_breakdown"] == "district+group"
    sa = {r["d"]: r for r in p["estimates"] if r["k"] == "small_area"}
    assert sa["east+elderly"]["src"] == "model" and sa["east+elderly"]["e"] == 0.03
    json.dumps(p, allow_nan=False)


def test_page_is_one_self_contained_file():
    html = explorer_html(_tables(), META)
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", html)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert html.count("<script") == 2 and len(html) < 5_000_000
    # the data cannot end the script element early
    data = html.split('id="explorer-data">', 1)[1].split("</script>", 1)[0]
    assert "</" not in data


PROBE = r"""
<script>
(function () {
  function txt(sel) { var e = document.querySelector(sel); return e ? e.textContent : null; }
  function click(sel) { document.querySelector(sel).click(); }
  var X = window.literacyExplorer, out = {errors: []};
  out.readyMs = performance.now();                 // page load and first render, before the probe acts
  out.ready = document.getElementById('app').getAttribute('data-ready');
  var consoleError = console.error;
  console.error = function () { out.errors.push(Array.prototype.join.call(arguments, ' ')); consoleError.apply(console, arguments); };
  window.addEventListener('error', function (e) { out.errors.push(String(e.message)); });
  function texts() {
    return Array.prototype.map.call(document.querySelectorAll('#app td, #app th, #app option, #app caption, #app button'),
                                    function (e) { return e.textContent.trim(); });
  }
  var seen = [];
  out.lang0 = document.documentElement.lang;
  out.caption0 = txt('caption');
  click('#lang');
  out.lang1 = document.documentElement.lang; out.caption1 = txt('caption');
  seen = seen.concat(texts());
  out.headers = Array.prototype.map.call(document.querySelectorAll('thead th'), function (th) { return th.scope; });
  click('th button[data-sort="e"]');
  out.sorted = Array.prototype.map.call(document.querySelectorAll('tbody tr'), function (r) { return r.dataset.domain; });
  out.ariaSort = document.querySelector('th button[data-sort="e"]').parentNode.getAttribute('aria-sort');
  click('th button[data-sort="e"]');
  out.sortedDesc = Array.prototype.map.call(document.querySelectorAll('tbody tr'), function (r) { return r.dataset.domain; });
  document.querySelector('tbody tr[data-domain="west"]').click();
  out.selected = txt('#selected h2');
  out.selectedRows = document.querySelectorAll('#selected tbody tr').length;
  var row = document.querySelector('tbody tr[data-domain="east"]');
  row.focus();
  row.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  out.keyboardSelected = X.state.sel;
  out.focusable = document.querySelectorAll('tbody tr[tabindex="0"]').length;
  out.csv = X.csv();
  click('[data-view="chart"]');
  out.chartRows = document.querySelectorAll('svg g.row').length;
  out.chartLabels = Array.prototype.map.call(document.querySelectorAll('svg g.row'), function (g) { return g.getAttribute('aria-label'); });
  seen = seen.concat(texts());
  click('[data-view="change"]');
  seen = seen.concat(texts());
  out.changeWarn = txt('.warn');
  out.changeRows = document.querySelectorAll('#view tbody tr').length;
  click('[data-view="grid"]');
  out.gridModel = document.querySelectorAll('td.model').length;
  out.gridCells = document.querySelectorAll('.grid-table td[data-domain]').length;
  out.hash = location.hash;
  seen = seen.concat(texts());
  click('#lang');
  click('[data-view="table"]');
  seen = seen.concat(texts());
  out.texts = seen;
  var pre = document.createElement('pre'); pre.id = 'probe-result'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def _chromium() -> str:
    for tool in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(tool)
        if path:
            return path
    pytest.skip("Chromium (chromium) not installed")


def test_explorer_in_chromium_from_file(tmp_path):
    html = explorer_html(_tables(), META)
    page = tmp_path / "explorer.html"
    page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    profile = tmp_path / "profile"
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", page.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    m = re.search(r'<pre id="probe-result">(.*?)</pre>', done.stdout, re.S)
    assert m, done.stderr[-2000:]
    out = json.loads(m.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    assert out["ready"] == "true" and out["errors"] == []                  # rendered, no console error
    assert out["readyMs"] < 2000                                            # loads in under 2 s
    # no view shows a code where a label belongs
    # ("direct" and "met" are also the English labels of a source and a verdict, so they are not checked)
    codes = {"district", "district+group", "literate", "east", "west", "north", "east+youth", "model",
             "linked", "small_area", "raw", "baseline", "endline", "inconclusive", "not_met", "city"}
    assert not codes & set(out["texts"]), codes & set(out["texts"])
    assert out["lang0"] == "zh-CN" and out["lang1"] == "en"
    assert "直接估计" in out["caption0"] and "Direct" in out["caption1"]
    assert out["headers"][0] == "col"
    # district rows, 2025: east 14%, west 9%, north suppressed (sorted last either way)
    assert out["sorted"] == ["west", "east", "north"] and out["ariaSort"] == "ascending"
    assert out["sortedDesc"] == ["east", "west", "north"]
    assert "West" in out["selected"] and out["selectedRows"] == 4          # 2 rounds x (direct, linked)
    assert out["keyboardSelected"] == "east" and out["focusable"] == 3
    lines = out["csv"].lstrip("\ufeff").split("\r\n")
    assert lines[0].startswith("Domain,Estimate") and len(lines) == 4
    assert "East,14.0%" in out["csv"]
    assert out["chartRows"] == 2 and any("East: 14.0%" in s for s in out["chartLabels"])
    assert out["changeWarn"] and "not comparable" in out["changeWarn"] and out["changeRows"] == 2
    assert out["gridModel"] == 2 and out["gridCells"] == 4
    assert "view=grid" in out["hash"]


def test_meta_from_the_config():
    import yaml

    from literacy.assessment import validate_config
    from literacy_flows.report.explorer import explorer_meta

    cfg = validate_config(yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml")
                                         .read_text(encoding="utf-8")))
    meta = explorer_meta(cfg, ["city", "district+sex+age_band"])
    assert meta["levels"][0]["code"] == cfg["scoring"]["headline"]              # the headline first
    assert [r["role"] for r in meta["rounds"]] == ["baseline", "endline"]
    assert meta["breakdowns"][1] == {"code": "district+sex+age_band", "zh": "区×性别×年龄组",
                                     "en": "District × Sex × Age band"}
    assert meta["target"] == 0.12 and meta["national"] == {"rate": 0.1537, "year": 2024}


def _cdp_download(page: Path, workdir: Path, action_js: str, timeout: float = 60) -> tuple[list[Path], list[str]]:
    """Open ``page`` in headless Chromium over the DevTools protocol, run ``action_js`` and return the
    files it downloaded and the console errors and exceptions seen (no Playwright, no browser download)."""
    import time
    import urllib.request

    from websockets.sync.client import connect

    profile, downloads = workdir / "profile", workdir / "downloads"
    profile.mkdir(parents=True)
    downloads.mkdir()
    proc = subprocess.Popen([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "HOME": str(workdir)})
    errors: list[str] = []
    try:
        port_file = profile / "DevToolsActivePort"
        start = time.monotonic()
        while not (port_file.is_file() and port_file.read_text().strip()):
            assert time.monotonic() - start < timeout, "Chromium did not open its DevTools port"
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json").read())
        ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        with connect(ws_url, max_size=None) as ws:
            counter = [0]

            def call(method: str, **params) -> dict:
                counter[0] += 1
                ws.send(json.dumps({"id": counter[0], "method": method, "params": params}))
                while True:
                    msg = json.loads(ws.recv(timeout=timeout))
                    if msg.get("method") == "Runtime.consoleAPICalled" and msg["params"]["type"] == "error":
                        errors.append(json.dumps(msg["params"]["args"]))
                    elif msg.get("method") == "Runtime.exceptionThrown":
                        errors.append(str(msg["params"]["exceptionDetails"].get("text")))
                    elif msg.get("id") == counter[0]:
                        return msg.get("result", {})

            call("Runtime.enable")
            call("Page.enable")
            call("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
            call("Page.navigate", url=page.as_uri())
            ready = "document.getElementById('app') && document.getElementById('app').getAttribute('data-ready')"
            while call("Runtime.evaluate", expression=ready, returnByValue=True).get("result", {}).get("value") != "true":
                assert time.monotonic() - start < timeout, "the explorer did not render"
                time.sleep(0.05)
            call("Runtime.evaluate", expression=action_js)
            while not [f for f in downloads.iterdir() if not f.name.endswith(".crdownload")]:
                assert time.monotonic() - start < timeout, "nothing was downloaded"
                time.sleep(0.1)
            call("Runtime.evaluate", expression="1")            # collect any late console message
        return sorted(downloads.iterdir()), errors
    finally:
        proc.kill()
        proc.wait()


def test_download_csv_of_the_view_in_chromium(tmp_path):
    page = tmp_path / "explorer.html"
    page.write_text(explorer_html(_tables(), META), encoding="utf-8")
    action = ("literacyExplorer.state.lang = 'en'; literacyExplorer.render();"
              "document.querySelector('th button[data-sort=\"e\"]').click();"
              "document.getElementById('download').click();")
    files, errors = _cdp_download(page, tmp_path / "chromium", action)
    assert errors == []
    assert [f.name for f in files] == ["explorer_table_literate.csv"]
    raw = files[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                        # UTF-8 with a BOM: Excel reads it
    got = pd.read_csv(files[0], encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(got.columns) == ["Domain", "Estimate", "95% CI", "n", "Source", "Target", "Verdict"]
    # the district rows of 2025 as sorted by estimate (north is suppressed: last, shown as a dash)
    assert got["Domain"].tolist() == ["West \u2020", "East", "North \u2021"]
    assert got["Estimate"].tolist() == ["9.0%", "14.0%", "\u2014"]
    assert got.loc[1, "95% CI"] == "12.0% \u2013 16.0%" and got.loc[1, "Verdict"] == "met"

