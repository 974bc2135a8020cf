"""report.html: one self-contained page (figures inlined as base64 PNG, data as inline JSON, no network).

Sections: the main table, the per-class and analysis tables (diagnosis, sweeps, intervals: every
table given), the notes, the figures, the analyses' numbers (collapsed JSON) and a per-video
browser: a ``<select>`` of videos and a canvas that draws, from embedded JSON, either the frames of a
video with ground-truth boxes (blue) and scored boxes (red, with label, score and diagnosis type), or
a timeline of ground-truth and scored segments.

``videos`` maps a video name to one of::

    {"kind": "frames", "width": W, "height": H,
     "frames": [{"frame": i, "gt": [[x1, y1, x2, y2, label, type], ...],
                 "pred": [[x1, y1, x2, y2, label, score, type, ...], ...]}, ...]}
    {"kind": "timeline", "duration_s": D,
     "gt": [[t_start_s, t_end_s, label, type], ...], "pred": [[t_start_s, t_end_s, label, score, type], ...]}

When the page has loaded, a script checks that every image decoded and the browser drew, and writes
the outcome into ``#report-status`` (``data-status="ok"``), which the headless-browser test reads.
"""
from __future__ import annotations

import base64
import html
import json
import math
import os
import re

from annotations.atomic import atomic_write_text

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1300px}
table{border-collapse:collapse;margin:.5em 0 1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:2px 7px;text-align:right}
th:first-child,td:first-child,td:nth-child(2){text-align:left}
caption{text-align:left;font-weight:600;padding:4px 0}
.notes{font-size:12px;color:#555}
.nav{font-size:13px}
figure{display:inline-block;margin:.5em;vertical-align:top}
figure img{max-width:600px;border:1px solid #ddd}
figcaption{font-size:12px;color:#555}
#report-status{font-size:11px;color:#888}
#browser canvas{border:1px solid #999;background:#c8c8c8;display:block;margin-top:.5em}
#video-info{font-size:12px;color:#444}
"""

_JS = r"""
(function(){
  var status = document.getElementById('report-status');
  var errors = [];
  window.addEventListener('error', function(e){ errors.push(String(e.message)); report(); });
  var data = JSON.parse(document.getElementById('videos-data').textContent);
  var select = document.getElementById('video-select');
  var slider = document.getElementById('frame-slider');
  var canvas = document.getElementById('video-canvas');
  var info = document.getElementById('video-info');
  var ctx = canvas.getContext('2d');
  var drawn = 0;
  function rect(b, colour, dashed, text, inside){
    ctx.strokeStyle = colour; ctx.lineWidth = 2; ctx.setLineDash(dashed ? [5, 3] : []);
    ctx.strokeRect(b[0], b[1], b[2] - b[0], b[3] - b[1]);
    ctx.setLineDash([]); ctx.fillStyle = colour; ctx.font = '11px sans-serif';
    ctx.fillText(text, b[0] + 2, inside ? b[1] + 12 : Math.max(11, b[1] - 2));
  }
  function drawFrames(v){
    var k = Math.min(parseInt(slider.value || '0', 10), v.frames.length - 1);
    canvas.width = v.width; canvas.height = v.height;
    ctx.fillStyle = '#c8c8c8'; ctx.fillRect(0, 0, v.width, v.height);
    if (!v.frames.length){ info.textContent = 'no boxes in this video'; drawn++; return; }
    var f = v.frames[k];
    f.gt.forEach(function(g){ rect(g, '#1f5fd6', false, g[4] + (g[5] && g[5] !== 'TP' ? ' [' + g[5] + ']' : ''), true); });
    f.pred.forEach(function(p){
      rect(p, '#e0301e', p[6] !== 'TP', p[4] + ' ' + p[5].toFixed(2) + (p[6] ? ' ' + p[6] : ''), false);
    });
    info.textContent = 'frame ' + f.frame + ' (' + (k + 1) + '/' + v.frames.length + '): ' + f.gt.length +
      ' ground-truth box(es), ' + f.pred.length + ' scored box(es); blue: ground truth, red: scored ' +
      '(dashed: not a true positive)';
    drawn++;
  }
  function drawTimeline(v){
    var w = 900, rowH = 22, rows = 2 + v.pred.length;
    canvas.width = w; canvas.height = Math.min(40 + rowH * rows, 600);
    ctx.fillStyle = '#fafafa'; ctx.fillRect(0, 0, canvas.width, canvas.height);
    var sx = (w - 20) / Math.max(v.duration_s, 1e-9);
    ctx.fillStyle = '#222'; ctx.font = '11px sans-serif';
    ctx.fillText('0 s', 10, 12); ctx.fillText(v.duration_s.toFixed(1) + ' s', w - 50, 12);
    v.gt.forEach(function(g){ ctx.fillStyle = '#1f5fd6'; ctx.fillRect(10 + g[0] * sx, 20, Math.max(1, (g[1] - g[0]) * sx), rowH - 4); });
    v.pred.forEach(function(p, i){
      ctx.fillStyle = p[4] === 'TP' ? '#2a9d8f' : (p[4] ? '#e0301e' : '#e08a1e'); ctx.globalAlpha = 0.35 + 0.65 * Math.min(1, Math.max(0, p[3]));
      ctx.fillRect(10 + p[0] * sx, 20 + rowH * (i + 1), Math.max(1, (p[1] - p[0]) * sx), rowH - 4);
      ctx.globalAlpha = 1; ctx.fillStyle = '#222';
      var text = p[2] + ' ' + p[3].toFixed(2) + ' ' + (p[4] || ''), tx = 12 + p[0] * sx;
      var tw = ctx.measureText(text).width;
      if (tx + tw > w - 4) { tx = Math.max(2, 8 + p[0] * sx - tw); }  // near the end: left of the segment
      ctx.fillText(text, tx, 34 + rowH * (i + 1));
    });
    info.textContent = v.gt.length + ' ground-truth segment(s) (blue, top row), ' + v.pred.length + ' scored ' +
      'segment(s), best-scoring first (opacity: score' + (v.note ? '; ' + v.note : '') + ')';
    drawn++;
  }
  function draw(){
    var v = data[select.value];
    if (!v) { return; }
    if (v.kind === 'timeline') { slider.style.display = 'none'; drawTimeline(v); }
    else { slider.style.display = ''; slider.max = Math.max(0, v.frames.length - 1); drawFrames(v); }
  }
  select.addEventListener('change', function(){ slider.value = 0; draw(); });
  slider.addEventListener('input', draw);
  function finish(){
    // draw every video once (each entry must render), then show the first again
    try {
      var opts = Array.prototype.slice.call(select.options);
      opts.forEach(function(o){ select.value = o.value; slider.value = 0; draw(); });
      if (opts.length) { select.value = opts[0].value; slider.value = 0; draw(); }
    } catch (e) { errors.push('drawing ' + select.value + ': ' + e); }
    report();
  }
  function report(){
    var imgs = Array.prototype.slice.call(document.images);
    var broken = imgs.filter(function(i){ return !i.complete || i.naturalWidth === 0; }).length;
    var tables = document.querySelectorAll('table.report-table').length;
    var nvid = Object.keys(data).length;
    var ok = errors.length === 0 && broken === 0 && (nvid === 0 || drawn > 0);
    status.setAttribute('data-status', ok ? 'ok' : 'error');
    status.setAttribute('data-images', String(imgs.length));
    status.setAttribute('data-broken', String(broken));
    status.setAttribute('data-tables', String(tables));
    status.setAttribute('data-videos', String(nvid));
    status.setAttribute('data-drawn', String(drawn));
    status.textContent = (ok ? 'rendered: ' : 'problem: ') + tables + ' tables, ' + imgs.length + ' images (' +
      broken + ' broken), ' + nvid + ' videos' + (errors.length ? '; errors: ' + errors.join(' | ') : '');
  }
  if (select.options.length) { try { draw(); } catch (e) { errors.push('drawing: ' + e); } }
  window.addEventListener('load', finish);
})();
"""


#: what :func:`merge_report_pages` takes from each page: the part between these markers
_SECTION_START, _SECTION_END = "<!-- report-section -->", "<!-- /report-section -->"


def _fmt(v, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return f"{100.0 * v:.{digits}f}"


def table_html(name: str, table) -> str:
    """One ``locbench.evaluation.tables.Table`` as an HTML table (values in percent / AP points)."""
    head = [table.first_column, "Metric"] + [f"{table.threshold_name} {t:g}" for t in table.thresholds]
    if table.accuracy_column:
        head.append("Cls. acc.")
    out = [f'<table class="report-table" id="table-{html.escape(name)}"><caption>{html.escape(table.title)}'
           '</caption><tr>' + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    previous = None
    for r in table.rows:
        cells = ["" if r.method == previous else r.method, r.metric] + [_fmt(v) for v in r.values]
        if table.accuracy_column:
            cells.append(_fmt(r.accuracy))
        previous = r.method
        out.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    if table.notes:
        out.append('<ul class="notes">' + "".join(f"<li>{html.escape(n)}</li>" for n in table.notes) + "</ul>")
    return "\n".join(out)


def _figure_html(path: str) -> str:
    with open(path, "rb") as f:
        data = base64.b64encode(f.read()).decode("ascii")
    name = html.escape(os.path.basename(path))
    return f'<figure><img alt="{name}" src="data:image/png;base64,{data}"><figcaption>{name}</figcaption></figure>'


def _json_safe(obj):
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if hasattr(obj, "tolist"):
        return _json_safe(obj.tolist())
    return obj


def _script_json(obj) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(_json_safe(obj), allow_nan=False).replace("</", "<\\/")


def render_report_html(metrics: dict, tables: dict, figures: list, videos: dict | None = None,
                       title: str = "locbench report") -> str:
    """The page as a string (see :func:`write_report_html`).

    >>> page = render_report_html({"task": "spatial"}, {}, [])
    >>> "report-status" in page and "http" not in page.split("<body>")[1]
    True
    """
    videos = videos or {}
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<style>{_CSS}</style></head><body>", f"<h1>{html.escape(title)}</h1>", _SECTION_START]
    task = metrics.get("task")
    if task:
        parts.append(f"<p>task <b>{html.escape(str(task))}</b>, protocol {html.escape(str(metrics.get('protocol', '')))}"
                     "; values in percent (AP points).</p>")
    # the main table, then the analyses' tables (sweep, intervals, protocol comparison, diagnosis) in the
    # order given, then the per-class tables
    order = sorted(tables, key=lambda k: (k != "table", k.startswith("per_class")))
    nav = [("tables", "Tables")] if order else []
    if order:
        parts.append("<h2 id='tables'>Tables</h2>")
        parts += [table_html(k, tables[k]) for k in order]
    notes = list(metrics.get("notes", []))
    for m in metrics.get("methods", []):
        notes += [f"{m.get('name')}: {w}" for w in (m.get("ap") or {}).get("warnings", [])]
    if notes:
        nav.append(("notes", "Notes"))
        parts.append("<h2 id='notes'>Notes</h2><ul class='notes'>" + "".join(f"<li>{html.escape(str(n))}</li>" for n in notes)
                     + "</ul>")
    if figures:
        nav.append(("figures", "Figures"))
        parts.append("<h2 id='figures'>Figures</h2>")
        parts += [_figure_html(p) for p in figures]
    analyses = metrics.get("analyses") or {}
    if analyses:
        nav.append(("analyses", "Analyses (numbers)"))
        parts.append("<h2 id='analyses'>Analyses (numbers)</h2>")
        for name, value in analyses.items():
            parts.append(f"<details><summary>{html.escape(str(name))}</summary><pre>"
                         f"{html.escape(json.dumps(_json_safe(value), indent=1)[:200000])}</pre></details>")
    parts.append(_SECTION_END)
    nav.append(("browser", "Per-video browser"))
    parts.insert(parts.index(_SECTION_START), "<p class='nav'>" + " · ".join(
        f"<a href='#{a}'>{html.escape(t)}</a>" for a, t in nav) + "</p>")
    parts.append("<h2 id='browser-heading'>Per-video browser</h2><div id='browser'>")
    if videos:
        opts = "".join(f"<option value=\"{html.escape(v, quote=True)}\">{html.escape(v)}</option>" for v in videos)
        parts.append(f"<label>video <select id='video-select'>{opts}</select></label> "
                     "<input type='range' id='frame-slider' min='0' max='0' value='0'>"
                     "<div id='video-info'></div><canvas id='video-canvas' width='320' height='240'></canvas>")
    else:
        parts.append("<p>no per-video data</p><select id='video-select'></select>"
                     "<input type='range' id='frame-slider' min='0' max='0' value='0' style='display:none'>"
                     "<div id='video-info'></div><canvas id='video-canvas' width='1' height='1'></canvas>")
    parts.append("</div>")
    parts.append(f"<script type='application/json' id='videos-data'>{_script_json(videos)}</script>")
    parts.append("<p id='report-status' data-status='pending'>rendering…</p>")
    parts.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(parts)


def write_report_html(path, metrics: dict, tables: dict, figures: list, videos: dict | None = None,
                      title: str = "locbench report") -> str:
    """Write one self-contained report.html.

    Parameters
    ----------
    path : str
        Output file (written atomically).
    metrics : dict
        The metrics dict of an eval / diagnose verb (``task``, ``protocol``, ``methods``, ``notes``,
        ``analyses``); the analyses are shown as collapsed JSON.
    tables : dict
        ``{name: locbench.evaluation.tables.Table}``: main, per-class, diagnosis, sweeps, intervals.
    figures : list of str
        PNG files, embedded as base64.
    videos : dict, optional
        Per-video browser data (see the module docstring).
    title : str
        The page's title and heading.

    Returns
    -------
    str
        ``path``.

    Examples
    --------
    >>> import os, tempfile
    >>> p = write_report_html(os.path.join(tempfile.mkdtemp(), "report.html"), {}, {}, [])
    >>> os.path.getsize(p) > 1000
    True
    """
    atomic_write_text(path, render_report_html(metrics, tables, figures, videos, title=title))
    return path


def add_report_argument(parser) -> None:
    """``--report DIR`` (once per parser)."""
    if "--report" not in getattr(parser, "_option_string_actions", {}):
        parser.add_argument("--report", metavar="DIR",
                            help="write DIR/report.html: tables, figures, diagnosis and a per-video browser, "
                                 "one self-contained file")


def write_report_for(report_dir: str, metrics: dict, tables: dict, plugin_results: dict | None = None,
                     figures: list | None = None, videos: dict | None = None) -> str:
    """``report_dir/report.html`` from an eval verb's outputs: the figures and per-video data of the
    plugin results (``PluginResult.figures``; a ``videos`` attribute, when a plugin sets one) are added
    to those given."""
    os.makedirs(report_dir, exist_ok=True)
    figs = list(figures or [])
    vids = dict(videos or {})
    tables = dict(tables)
    for res in (plugin_results or {}).values():
        for name, table in res.tables.items():
            tables.setdefault(name, table)
        figs += [f for f in res.figures if f.lower().endswith(".png") and os.path.isfile(f)]
        for k, v in (getattr(res, "videos", None) or {}).items():
            vids.setdefault(k, v)
    return write_report_html(os.path.join(report_dir, "report.html"), metrics, tables, figs, vids)


def frames_payload(gt, dets, max_videos: int = 30, max_frames: int = 60, size=(320, 240)) -> dict:
    """Browser data (``kind="frames"``) from ground-truth and detected ``FrameBoxes``, no diagnosis types.

    >>> import numpy as np
    >>> from annotations.types import FrameBoxes
    >>> g = FrameBoxes(np.array(["v"]), np.array([3]), np.array(["a"]), np.array([[0., 0, 10, 10]]), videos=("v",))
    >>> frames_payload(g, g.select(np.array([False])))["v"]["frames"][0]["gt"]
    [[0.0, 0.0, 10.0, 10.0, 'a', '']]
    """
    import numpy as np
    names = list(gt.videos) or sorted(set(gt.video.tolist()))
    out = {}
    for v in names[:max_videos]:
        gi, di = np.flatnonzero(gt.video == v), np.flatnonzero(dets.video == v)
        frames = np.unique(np.r_[gt.frame_idx[gi], dets.frame_idx[di]]).astype(np.int64)
        if len(frames) > max_frames:
            frames = frames[np.linspace(0, len(frames) - 1, max_frames).round().astype(int)]
        entry = {"kind": "frames", "width": int(size[0]), "height": int(size[1]), "frames": []}
        for f in frames.tolist():
            entry["frames"].append({
                "frame": f,
                "gt": [[*map(float, gt.boxes_xyxy[j]), str(gt.label[j]), ""] for j in gi[gt.frame_idx[gi] == f]],
                "pred": [[*map(float, dets.boxes_xyxy[i]), str(dets.label[i]),
                          float(dets.score[i]) if dets.score is not None else 1.0, ""]
                         for i in di[dets.frame_idx[di] == f]]})
        out[v] = entry
    return out


def timeline_payload(gt, dets, max_videos: int = 30, max_segments: int = 40) -> dict:
    """Browser data (``kind="timeline"``) from ground-truth and detected ``Segments`` (best-scoring first).

    >>> import numpy as np
    >>> from annotations.types import Segments
    >>> g = Segments(np.array(["v"]), np.array([1.0]), np.array([3.0]), np.array(["a"]), videos=("v",))
    >>> timeline_payload(g, g.select(np.array([False])))["v"]["duration_s"]
    3.0
    """
    import numpy as np
    names = list(gt.videos) or sorted(set(gt.video.tolist()))
    out = {}
    for v in names[:max_videos]:
        gi, di = np.flatnonzero(gt.video == v), np.flatnonzero(dets.video == v)
        if dets.score is not None:
            di = di[np.argsort(-dets.score[di], kind="stable")]
        di = di[:max_segments]
        ends = np.r_[gt.t_end_s[gi], dets.t_end_s[di], 0.0]
        out[v] = {"kind": "timeline", "duration_s": float(ends.max()),
                  "gt": [[float(gt.t_start_s[j]), float(gt.t_end_s[j]), str(gt.label[j]), ""] for j in gi],
                  "pred": [[float(dets.t_start_s[i]), float(dets.t_end_s[i]), str(dets.label[i]),
                            float(dets.score[i]) if dets.score is not None else 1.0, ""] for i in di]}
    return out


def tubes_payload(gt_tubes, det_tubes, max_videos: int = 30, max_frames: int = 60, size=(320, 240)) -> dict:
    """Browser data (``kind="frames"``) from ground-truth and detected tubes (lists of ``Tube``): each
    tube's box on each of its frames, the tube's score on each detected box.

    >>> from annotations.types import Tube
    >>> t = Tube("v", "a", [0, 1], [[0, 0, 5, 5], [1, 1, 6, 6]], 0.7)
    >>> [len(f["pred"]) for f in tubes_payload([t], [t])["v"]["frames"]]
    [1, 1]
    """
    return frames_payload(_tubes_as_boxes(gt_tubes), _tubes_as_boxes(det_tubes), max_videos, max_frames, size)


def _tubes_as_boxes(tubes):
    """Tubes as one FrameBoxes (every frame of every tube; its score on each box)."""
    import numpy as np
    from annotations.types import FrameBoxes
    tubes = list(tubes)
    lengths = [len(t.frame_idx) for t in tubes]
    video = np.repeat(np.array([t.video for t in tubes], dtype=object), lengths).astype(str) if tubes \
        else np.zeros(0, str)
    label = np.repeat(np.array([t.label for t in tubes], dtype=object), lengths).astype(str) if tubes \
        else np.zeros(0, str)
    frames = np.concatenate([t.frame_idx for t in tubes]) if tubes else np.zeros(0, np.int64)
    boxes = np.concatenate([t.boxes_xyxy for t in tubes]) if tubes else np.zeros((0, 4))
    score = np.repeat(np.array([t.score for t in tubes], float), lengths)
    return FrameBoxes(video, frames, label, boxes, score, videos=tuple(dict.fromkeys(video.tolist())))


def browser_payload(task: str, gt, dets, size=None) -> dict:
    """Browser data of one method's *evaluated* detections: frames (``task="spatial"``, ``FrameBoxes``),
    timeline (``"temporal"``, ``Segments``) or tube frames (``"video"``, lists of ``Tube``); no types.

    >>> import numpy as np
    >>> from annotations.types import Segments
    >>> g = Segments(np.array(["v"]), np.array([1.0]), np.array([3.0]), np.array(["a"]), videos=("v",))
    >>> list(browser_payload("temporal", g, g))
    ['v']
    """
    if task == "temporal":
        return timeline_payload(gt, dets)
    if task == "video":
        return tubes_payload(gt, dets, size=size or (320, 240))
    return frames_payload(gt, dets, size=size or (320, 240))


def merge_report_pages(pages: dict, path, title: str = "locbench report") -> str:
    """One self-contained page from several report.html pages written by :func:`write_report_html`:
    each page's tables, notes, figures and numbers under its own heading, and one per-video browser
    holding every page's videos (named ``"<heading>: <video>"``). The demo joins its two halves so.

    Parameters
    ----------
    pages : dict of str to path
        Heading -> report.html, in display order.
    path : str
        Output file (written atomically).
    title : str
        The page's title.

    Returns
    -------
    str
        ``path``.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> a = write_report_html(os.path.join(d, "a.html"), {"task": "spatial"}, {}, [],
    ...                       {"v": {"kind": "timeline", "duration_s": 1.0, "gt": [], "pred": []}})
    >>> page = open(merge_report_pages({"Where": a}, os.path.join(d, "all.html"))).read()
    >>> "Where: v" in page and page.count("report-status") >= 1
    True
    """
    sections, videos = [], {}
    for heading, page_path in pages.items():
        with open(page_path, encoding="utf-8") as f:
            page = f.read()
        try:
            body = page.split(_SECTION_START, 1)[1].split(_SECTION_END, 1)[0]
            data = page.split("id='videos-data'>", 1)[1].split("</script>", 1)[0]
        except IndexError:
            raise ValueError(f"{page_path}: not a page written by locbench.evaluation.report_html") from None
        body = re.sub(r"<h2 id='([a-z]+)'>", lambda m: f"<h3 id='s{len(sections)}-{m.group(1)}'>", body)
        body = body.replace("</h2>", "</h3>")
        sections.append(f"<h2 id='section-{len(sections)}'>{html.escape(str(heading))}</h2>\n{body}")
        for name, entry in json.loads(data.replace("<\\/", "</")).items():
            videos[f"{heading}: {name}"] = entry
    page = render_report_html({}, {}, [], videos, title=title)
    nav = " · ".join([f"<a href='#section-{i}'>{html.escape(str(h))}</a>" for i, h in enumerate(pages)]
                     + ["<a href='#browser'>Per-video browser</a>"])
    page = re.sub(r"<p class='nav'>.*?</p>", lambda m: f"<p class='nav'>{nav}</p>", page, count=1)
    page = page.replace(_SECTION_START, _SECTION_START + "\n" + "\n".join(sections), 1)
    atomic_write_text(path, page)
    return path


__all__ = ["write_report_html", "render_report_html", "write_report_for", "add_report_argument", "table_html",
           "frames_payload", "timeline_payload", "tubes_payload", "browser_payload", "merge_report_pages"]
