"""report.html opened in a real browser (headless Chromium): tables, every image and the per-video
browser rendered, no script error. Without Chromium the browser tests skip, except in CI (CI=true)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from locbench.evaluation.report_html import render_report_html, write_report_html
from locbench.evaluation.tables import Row, Table

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--virtual-time-budget=5000"]


def chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI (apt-get install -y chromium)")
        pytest.skip("headless Chromium not installed (Debian package 'chromium'); the report.html browser test needs it")
    return path


def browse(tmp_path, page: str, *extra) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile{len(list(tmp_path.glob('profile*')))}"
    return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr",
                           "--v=0", *extra, f"file://{page}"], capture_output=True, text=True, timeout=120)


def status_of(dom: str) -> dict:
    m = re.search(r'<p id="report-status"([^>]*)>([^<]*)', dom)
    assert m, dom[-2000:]
    attrs = dict(re.findall(r'data-([a-z]+)="([^"]*)"', m.group(1)))
    attrs["text"] = m.group(2)
    return attrs


def console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def png(path, colour) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.bar([0, 1, 2], [3, 1, 2], color=colour)
    fig.savefig(path, format="png")
    plt.close(fig)
    return str(path)


def sample_report(tmp_path, broken_image: bool = False):
    main = Table("Spatial localization, frame-AP (voc)", "IoU", (0.3, 0.5),
                 (Row("model", "mAP", (0.42, 0.21), 0.8), Row("model", "CorLoc", (0.6, 0.4), 0.8)), ("a note",))
    per_class = Table("per-class AP", "IoU", (0.3, 0.5), (Row("Basketball", "AP", (0.5, 0.25)),),
                      first_column="Class", accuracy_column=False)
    diag = Table("Diagnosis", "IoU", (0.5, 0.3), (Row("TIDE", "mAP", (0.06, 0.32)), Row("weak", "gain part", (0.02, 0.01))),
                 first_column="Analysis", accuracy_column=False)
    figures = [png(tmp_path / "a.png", "C0"), png(tmp_path / "b.png", "C1")]
    if broken_image:
        (tmp_path / "broken.png").write_bytes(b"not a png")
        figures.append(str(tmp_path / "broken.png"))
    videos = {
        "Basketball/v_1": {"kind": "frames", "width": 320, "height": 240, "frames": [
            {"frame": 3, "gt": [[10, 20, 110, 200, "Basketball", "TP"]],
             "pred": [[12, 22, 100, 190, "Basketball", 0.9, "TP", "TP"], [200, 10, 300, 60, "Basketball", 0.4, "other", "Bkg"]]},
            {"frame": 9, "gt": [[15, 25, 115, 205, "Basketball", "no_box"]], "pred": []}]},
        "video_test_1": {"kind": "timeline", "duration_s": 30.0, "gt": [[2.0, 6.5, "Diving", ""]],
                         "pred": [[2.5, 7.0, "Diving", 0.8, "TP"], [15, 20, "Diving", 0.3, "background"]]},
    }
    metrics = {"task": "spatial", "protocol": "voc", "notes": ["ground truth restricted to the frames the model saw"],
               "analyses": {"diagnosis-spatial": {"pos0.5": {"tide": {"mAP": 6.0}}}}}
    path = write_report_html(tmp_path / "report.html", metrics, {"table": main, "per_class": per_class,
                                                                  "diagnosis": diag}, figures, videos)
    return path, len(figures)


def test_report_is_self_contained(tmp_path):
    path, n = sample_report(tmp_path)
    page = open(path).read()
    body = page.split("<body>", 1)[1]
    assert page.count("data:image/png;base64,") == n
    assert not re.search(r'(src|href)=["\']?(https?:|//)', body)  # nothing fetched from a network
    assert "<script src" not in page and "<link" not in page
    assert page.count('class="report-table"') == 3
    assert "Basketball/v_1" in page and "</script>" not in page.split("id='videos-data'>", 1)[1].split("</script>", 1)[0]


def test_report_escapes_script_end_in_data():
    page = render_report_html({}, {}, [], {"v</script><b>": {"kind": "timeline", "duration_s": 1, "gt": [], "pred": []}})
    data = page.split("id='videos-data'>", 1)[1].split("</script>", 1)[0]
    assert "v<\\/script>" in data


@pytest.mark.slow
def test_report_renders_in_chromium(tmp_path):
    path, n = sample_report(tmp_path)
    res = browse(tmp_path, path, "--dump-dom")
    assert res.returncode == 0, res.stderr[-2000:]
    st = status_of(res.stdout)
    assert st["status"] == "ok", st
    assert int(st["tables"]) == 3 and int(st["images"]) == n and int(st["broken"]) == 0
    assert int(st["videos"]) == 2 and int(st["drawn"]) >= 3  # each video (frames and timeline) drawn once
    assert console_errors(res.stderr) == []
    shot = tmp_path / "report.png"
    res = browse(tmp_path, path, "--window-size=1200,1600", f"--screenshot={shot}")
    assert res.returncode == 0 and shot.exists() and shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


def test_broken_image_is_reported_by_the_page(tmp_path):
    # the check can fail: an image that does not decode turns the status to "error"
    path, n = sample_report(tmp_path, broken_image=True)
    st = status_of(browse(tmp_path, path, "--dump-dom").stdout)
    assert st["status"] == "error" and int(st["broken"]) == 1 and int(st["images"]) == n


def test_bad_video_entry_is_reported_by_the_page(tmp_path):
    # a scored box without its score cannot be drawn: the page says so instead of passing
    bad = {"v": {"kind": "frames", "width": 320, "height": 240,
                 "frames": [{"frame": 0, "gt": [], "pred": [[0, 0, 10, 10, "a"]]}]}}
    path = write_report_html(tmp_path / "bad.html", {}, {}, [], bad)
    st = status_of(browse(tmp_path, str(path), "--dump-dom").stdout)
    assert st["status"] == "error" and "drawing" in st["text"], st


@pytest.mark.slow
def test_diagnose_spatial_report_renders(tmp_path):
    # the verb's own report on a small case: diagnosis tables, its figures and the frame browser
    from locbench.cli import main
    chromium()
    import pickle
    gt_pkl = tmp_path / "pyannot.pkl"
    db = {"Basketball/v_a": {"label": 0, "numf": 10, "annotations": [
        {"label": 0, "sf": 0, "ef": 10, "boxes": np.tile(np.array([[10, 10, 50, 80]], np.uint16), (10, 1))}]}}
    with open(gt_pkl, "wb") as f:
        pickle.dump(db, f, protocol=2)
    dets = tmp_path / "dets.csv"
    rows = ["video,frame,label,score,x1,y1,x2,y2"]
    rows += [f"Basketball/v_a,{i},Basketball,{0.9 - i * 0.05:.2f},{10 + (i % 3) * 12},10,{60 + (i % 3) * 12},90" for i in range(8)]
    dets.write_text("\n".join(rows) + "\n")
    code = main(["diagnose-spatial", "--gt", str(gt_pkl), "--detections", str(dets), "--report", str(tmp_path / "rep")])
    assert code == 0
    page = tmp_path / "rep" / "report.html"
    st = status_of(browse(tmp_path, str(page), "--dump-dom").stdout)
    # main, per-class and diagnosis tables (the evaluation path's report)
    assert st["status"] == "ok" and int(st["images"]) >= 2 and int(st["tables"]) == 3 and int(st["drawn"]) >= 1, st
    browse(tmp_path, str(page), "--window-size=1200,2400", f"--screenshot={tmp_path / 'diagnose.png'}")
