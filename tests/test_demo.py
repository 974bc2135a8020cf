"""The reduced demo (same code path as `locbench demo`, smaller sizes): the model trained with class
labels only must localize, beating the best trivial baseline by >= 10 mAP points at IoU 0.3, both
spatially (frame-mAP, voc) and temporally (THUMOS'14 protocol); and a rerun resumes."""
import json
import os

import pytest

from locbench.cli import main
from locbench.demo.pipeline import margins

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "run"
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    assert main(["demo", "--reduced", "--out", str(out), "--seed", "0"]) == 0
    return out


def test_reduced_demo_localizes_better_than_every_baseline(demo_dir):
    spatial = margins(demo_dir / "eval" / "spatial" / "metrics.json")["voc"]
    temporal = margins(demo_dir / "eval" / "temporal" / "metrics.json")
    assert set(spatial["baselines"]) == {"full-frame box", "centre box (mean GT size)"}
    assert spatial["margin"] >= 0.10, spatial
    for protocol in ("thumos14", "activitynet"):
        assert temporal[protocol]["margin"] >= 0.10, temporal[protocol]
    for kind in ("spatial", "temporal"):
        acc = json.loads((demo_dir / "eval" / kind / "metrics.json").read_text())["methods"][0]["classification_accuracy"]
        assert acc is not None and acc >= 0.75


def test_reduced_demo_writes_the_report_and_figures(demo_dir):
    report = (demo_dir / "report.md").read_text()
    assert "margin" in report and "locbench train" in report
    for link in [l.split("](")[1].rstrip(")") for l in report.splitlines() if l.startswith("![")]:
        assert (demo_dir / link).stat().st_size > 1000, link
    assert list((demo_dir / "figures" / "spatial").glob("gallery_*.png"))
    assert list((demo_dir / "figures" / "temporal").glob("timeline_*.png"))


def test_reduced_demo_writes_report_html_with_diagnosis_sweep_and_protocol_comparison(demo_dir):
    import re
    from locbench.evaluation.sweep_plugin import TUNED_ON_EVALUATED
    report = (demo_dir / "report.md").read_text()
    assert "[report.html](report.html)" in report
    assert "### Threshold sweep" in report and TUNED_ON_EVALUATED in report
    sweep_links = [l for l in report.splitlines() if l.startswith("![threshold sweep](")]
    assert len(sweep_links) == 2  # one curve per half
    assert "mAP per hard case" in report
    page = (demo_dir / "report.html").read_text()
    captions = re.findall(r"<caption>([^<]*)</caption>", page)
    for wanted in ("Spatial localization, frame-AP", "Temporal localization", "Diagnosis of ", "by hard_case",
                   "DETAD false-positive profile", "Weak-supervision error types", "Threshold sweep",
                   "Protocol comparison"):
        assert any(wanted in c for c in captions), wanted
    assert page.count("data:image/png;base64,") >= 10
    assert "threshold_sweep_" in page and "diagnosis_tide.png" in page
    data = json.loads(page.split("id='videos-data'>", 1)[1].split("</script>", 1)[0].replace("<\\/", "</"))
    assert any(k.startswith("Where") for k in data) and any(k.startswith("When") for k in data)
    # the main table's headline threshold stays 0.5: the spatial model's main mAP is the sweep's 0.5 row
    metrics = json.loads((demo_dir / "eval" / "spatial" / "metrics.json").read_text())
    sweep = metrics["analyses"]["sweep"]
    assert sweep["headline_threshold"] == 0.5
    model = sweep["models"][0]
    k = sweep["grid"].index(0.5)
    assert model["mAP"][0][k] == pytest.approx(metrics["methods"][0]["ap"]["mAP"])
    assert model["best"]["voc"]["label"] == TUNED_ON_EVALUATED


def test_demo_rerun_skips_done_stages(demo_dir, capsys):
    before = (demo_dir / "runs" / "spatial" / "last.pt").stat().st_mtime_ns
    assert main(["demo", "--reduced", "--out", str(demo_dir), "--seed", "0"]) == 0
    assert "already done" in capsys.readouterr().err
    assert (demo_dir / "runs" / "spatial" / "last.pt").stat().st_mtime_ns == before


def test_demo_refuses_to_clear_a_folder_it_did_not_write(tmp_path, capsys):
    (tmp_path / "precious.txt").write_text("keep me")
    assert main(["demo", "--reduced", "--restart", "--out", str(tmp_path)]) == 2
    assert "not a demo folder" in capsys.readouterr().err
    assert (tmp_path / "precious.txt").read_text() == "keep me"
