"""What the official temporal programs accept and how they rank: STPN's shipped files, tied scores,
odd rows, empty files, string scores, the sanity pass against durations, and errors naming the fix.

Reference numbers come from ``../shared/reference/stpn`` and ``../shared/reference/temporal_ties``
(the official programs' output); hand cases derive their expected values in the comments.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from annotations.activitynet import read_results_json
from annotations.errors import InputError
from annotations.temporal_io import load_temporal_detections, load_temporal_gt, load_temporal_video_info
from annotations.thumos14 import read_class_index, read_class_txt_dir, read_detections_txt
from annotations.types import AMBIGUOUS, Segments, VideoInfo
from evaluators.ap import ap_all_point, ap_non_interpolated
from evaluators.segment_iou import overlap_thumos14, tiou_activitynet
from evaluators.temporal import TemporalProblem, temporal_corloc, temporal_map
from locbench.cli import main

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
THUMOS = SHARED / "data" / "thumos14"
STPN = SHARED / "reference" / "stpn"
TIES = SHARED / "reference" / "temporal_ties"
NINE = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9"


def seg(rows, videos=(), source="mem"):
    """Segments from (video, start, end, label[, score]) tuples."""
    rows = list(rows)
    has_score = bool(rows) and len(rows[0]) == 5
    cols = list(zip(*rows)) if rows else [(), (), (), ()]
    return Segments(np.array(cols[0], dtype=str), np.array(cols[1], float), np.array(cols[2], float),
                    np.array(cols[3], dtype=str), np.array(cols[4], float) if has_score else None,
                    videos=tuple(videos), source=source)


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def check_against(result, expected):
    assert result.thresholds.tolist() == expected["tiou_thresholds"]
    for cls, values in expected["AP"].items():
        np.testing.assert_allclose(result.ap[result.classes.index(cls)], values, rtol=0, atol=1e-6, err_msg=cls)
    np.testing.assert_allclose(result.mean_ap, expected["mAP"], rtol=0, atol=1e-6)


# ----------------------------------------------------------------------------- STPN, unedited, through the CLI


@pytest.mark.parametrize("det_file", ["results.json", "results.txt"])
@pytest.mark.parametrize("protocol, gt", [("activitynet", STPN / "gt.json"), ("thumos14", THUMOS / "groundtruth")])
def test_stpn_shipped_files_give_the_official_numbers_through_the_cli(tmp_path, capsys, det_file, protocol, gt):
    expected = json.loads((STPN / "expected.json").read_text())[protocol]
    out = tmp_path / "out"
    code, stdout, err = run_cli(capsys, "eval-temporal", "--gt", gt, "--detections", STPN / det_file,
                                "--protocol", protocol, "--tiou", NINE, "--out", out, "--per-class")
    assert code == 0, err
    ap = json.loads((out / "metrics.json").read_text())["methods"][0]["ap"]
    np.testing.assert_allclose(ap["mAP"], expected["mAP"], rtol=0, atol=1e-6)
    for cls, values in expected["AP"].items():
        np.testing.assert_allclose(ap["AP"][cls], values, rtol=0, atol=1e-6, err_msg=cls)
    counts = ap["counts"]
    assert counts["num_detections"] == 9151
    assert counts["num_videos"] == (210 if protocol == "activitynet" else 213)


def test_stpn_scores_are_logits_and_extra_keys_are_ignored():
    det = read_results_json(STPN / "results.json")
    assert det.score.min() < 0 < det.score.max() and det.score.max() > 1
    assert det.notes == ()


# ----------------------------------------------------------------------------- tie order


@pytest.fixture(scope="module")
def ties_expected():
    return json.loads((TIES / "expected.json").read_text())


@pytest.mark.parametrize("det_file", ["detections.json", "detections.txt"])
@pytest.mark.parametrize("protocol, gt", [("activitynet", THUMOS / "thumos_gt.json"),
                                          ("thumos14", THUMOS / "groundtruth")])
def test_tied_scores_ranked_as_each_official_program(ties_expected, det_file, protocol, gt):
    expected = ties_expected[protocol]
    det = load_temporal_detections(TIES / det_file)
    ground_truth = load_temporal_gt(gt)
    result = temporal_map(ground_truth, det, expected["tiou_thresholds"], protocol=protocol, unknown_videos="fp")
    check_against(result, expected)
    # input order misses the official numbers, and the default run says by how much
    stable = temporal_map(ground_truth, det, expected["tiou_thresholds"], protocol=protocol, unknown_videos="fp",
                          ties="stable")
    assert np.abs(stable.mean_ap - np.array(expected["mAP"])).max() > 1e-4
    assert np.isclose(result.extra["tie_order_max_ap_difference"], np.abs(stable.ap - result.ap).max())
    assert np.isclose(result.extra["tie_order_max_map_difference"], np.abs(stable.mean_ap - result.mean_ap).max())
    assert any(w.startswith("tied scores") and "input order" in w for w in result.warnings)
    assert any(w.startswith("tied scores") for w in stable.warnings) and stable.extra["ties"] == "stable"


def test_no_tie_warning_without_ties():
    gt = seg([("v", 0, 10, "A")])
    det = seg([("v", 0, 10, "A", 0.9), ("v", 30, 40, "A", 0.5)])
    result = temporal_map(gt, det, [0.5])
    assert not any("tied" in w for w in result.warnings) and "tie_order_max_ap_difference" not in result.extra


def test_thumos14_ties_across_videos_follow_video_names():
    """MATLAB ranks per-video lists concatenated in sorted video-name order, stably: with equal
    scores, the detection of video "a" (a false positive) comes before that of "b" (a TP):
    precision at the TP is 1/2, AP = 0.5; in input order the TP comes first, AP = 1."""
    gt = seg([("b", 0, 10, "A")], videos=("a", "b"))
    det = seg([("b", 0, 10, "A", 0.5), ("a", 30, 40, "A", 0.5)])
    assert temporal_map(gt, det, [0.5], protocol="thumos14").ap[0, 0] == 0.5
    assert temporal_map(gt, det, [0.5], protocol="thumos14", ties="stable").ap[0, 0] == 1.0


def official_activitynet(gt: Segments, det: Segments, thresholds, classes):
    """Literal transcription of eval_detection.py's loop: per class, the detections in the order of the
    results JSON they make ({video: [rows]}: a video's rows together, videos by first appearance),
    ranked by ``score.argsort()[::-1]``; GTs tried in ``tiou.argsort()[::-1]`` order; NaN tIoU matches."""
    as_json = {}
    for i, v in enumerate(det.video.tolist()):
        as_json.setdefault(v, []).append(i)
    json_order = np.array([i for rows in as_json.values() for i in rows], dtype=int)
    ap = np.zeros((len(classes), len(thresholds)))
    for c, name in enumerate(classes):
        g = np.flatnonzero(gt.label == name)
        d = json_order[det.label[json_order] == name]
        d = d[np.ascontiguousarray(det.score[d]).argsort()[::-1]]
        for k, t in enumerate(thresholds):
            locked, is_tp = set(), []
            for i in d:
                cand = g[gt.video[g] == det.video[i]]
                tiou = tiou_activitynet(gt.t_start_s[cand], gt.t_end_s[cand], det.t_start_s[i], det.t_end_s[i],
                                        zero_union=np.nan)
                hit = False
                for j in tiou.argsort()[::-1]:
                    if tiou[j] < t:
                        break
                    if cand[j] in locked:
                        continue
                    locked.add(cand[j])
                    hit = True
                    break
                is_tp.append(hit)
            ap[c, k] = ap_all_point(np.array(is_tp, bool), len(g))
    return ap


def matlab_thumos14(gt: Segments, det: Segments, thresholds, classes):
    """Literal transcription of TH14evalDet_Updated.m: per video in sorted-name order, detections
    by stable descending score, GTs in file order take their best free detection (> t); unmatched
    ones touching Ambiguous dropped; final stable sort by descending score."""
    ap = np.zeros((len(classes), len(thresholds)))
    videos = sorted(set(gt.video.tolist()) | set(det.video.tolist()))
    for c, name in enumerate(classes):
        g_all = np.flatnonzero(gt.label == name)
        for k, t in enumerate(thresholds):
            conf, flags = [], []
            for v in videos:
                d = np.flatnonzero((det.label == name) & (det.video == v))
                d = d[np.argsort(-det.score[d], kind="stable")]
                g = g_all[gt.video[g_all] == v]
                amb = np.flatnonzero((gt.label == AMBIGUOUS) & (gt.video == v))
                free = np.ones(len(d), bool)
                for j in g:
                    ov = overlap_thumos14(gt.t_start_s[j], gt.t_end_s[j], det.t_start_s[d], det.t_end_s[d])
                    ov = np.where(free, ov, -1.0)
                    if len(ov) and ov.max() > t:
                        free[int(np.argmax(ov))] = False
                for pos, i in enumerate(d):
                    near = any(overlap_thumos14(gt.t_start_s[a], gt.t_end_s[a], det.t_start_s[i], det.t_end_s[i]) > 0
                               for a in amb)
                    if free[pos] and near:
                        continue
                    conf.append(det.score[i])
                    flags.append(not free[pos])
            order = np.argsort(-np.array(conf, float), kind="stable")
            ap[c, k] = ap_non_interpolated(np.array(flags, bool)[order] if len(order) else np.zeros(0, bool),
                                           len(g_all))
    return ap


def tied_case(seed: int):
    """Crowded videos, coarse times (equal tIoUs), scores with 3 values (ties everywhere), odd rows."""
    rng = np.random.default_rng(seed)
    videos = [f"v{i}" for i in range(5)]
    rows = [(rng.choice(videos), s, s + rng.integers(2, 12), rng.choice(["A", "B"]))
            for s in rng.integers(0, 60, 30) * 1.0]
    rows += [(rng.choice(videos), s, s + 3.0, AMBIGUOUS) for s in rng.integers(0, 60, 4) * 1.0]
    dets = []
    for _ in range(200):
        v, s, e, c = rows[rng.integers(0, 30)]
        s, e = s + rng.integers(-4, 5), e + rng.integers(-4, 5)
        if rng.random() < 0.1:
            s, e = e, s  # start > end
        dets.append((v, float(s), float(e), c if rng.random() < 0.8 else "B", float(rng.integers(0, 3)) / 2))
    return seg(rows), seg(dets)


@pytest.mark.parametrize("seed", range(6))
def test_default_tie_order_matches_literal_official_transcriptions(seed):
    gt, det = tied_case(seed)
    thresholds = [0.1, 0.3, 0.5, 0.7]
    res = temporal_map(gt, det, thresholds, protocol="activitynet")
    np.testing.assert_allclose(res.ap, official_activitynet(gt, det, thresholds, res.classes), atol=1e-12)
    res = temporal_map(gt, det, thresholds, protocol="thumos14")
    np.testing.assert_allclose(res.ap, matlab_thumos14(gt, det, thresholds, res.classes), atol=1e-12)


# ----------------------------------------------------------------------------- odd rows


def test_start_after_end_follows_each_program():
    """TH14evalDet_Updated.m orders each interval's bounds: [8, 2] is [2, 8], overlap 6/10 with
    [0, 10], a TP (AP 1). eval_detection.py keeps it: intersection max(0, min(10, 2) - max(0, 8)) = 0,
    union (2 - 8) + 10 - 0 = 4, tIoU 0: a FP (AP 0). With [10, 0] its union is 0 and 0/0 = NaN,
    which its loop takes as a match (AP 1)."""
    gt = seg([("v", 0, 10, "A")])
    det = seg([("v", 8, 2, "A", 0.9)], source="det.txt")
    th = temporal_map(gt, det, [0.5], protocol="thumos14")
    an = temporal_map(gt, det, [0.5], protocol="activitynet")
    assert th.ap[0, 0] == 1.0 and an.ap[0, 0] == 0.0
    assert temporal_map(gt, seg([("v", 10, 0, "A", 0.9)]), [0.5], protocol="activitynet").ap[0, 0] == 1.0
    assert any("t_start > t_end (0-based rows 0)" in w and "swapped" in w for w in th.warnings)
    assert any("t_start > t_end (0-based rows 0)" in w and "eval_detection.py" in w for w in an.warnings)


def test_zero_length_segments_follow_each_program():
    """A zero-length detection on a zero-length GT: ActivityNet divides 0 by 0 (NaN), which its loop
    takes as a match; THUMOS'14 needs a positive intersection, so it is a FP."""
    gt = seg([("v", 5, 5, "A"), ("v", 20, 30, "A")])
    det = seg([("v", 5, 5, "A", 0.9)])
    an = temporal_map(gt, det, [0.5], protocol="activitynet")
    th = temporal_map(gt, det, [0.5], protocol="thumos14")
    assert an.ap[0, 0] == 0.5  # one TP at rank 1 of 2 GTs: precision 1, recall 0.5
    assert th.ap[0, 0] == 0.0
    assert any("zero-length detection(s) (0-based rows 0)" in w for w in an.warnings + th.warnings)
    assert any("zero-length ground-truth" in w for w in an.warnings)
    # CorLoc is not an official metric: a zero union is no overlap there
    assert temporal_corloc(gt, det, [0.5]).corloc[0, 0] == 0.0


def test_reader_notes_name_the_lines_and_keys(tmp_path):
    p = tmp_path / "det.txt"
    p.write_text("\nv 1 2 7 0.5\nv 9 3 7 0.4\nv 4 4 7 0.3\n")
    det = read_detections_txt(p)
    assert det.t_start_s.tolist() == [1, 9, 4]
    assert any("1 detection(s) with t_start > t_end (line(s) 3)" in n for n in det.notes)
    assert any("1 zero-length detection(s) (line(s) 4)" in n for n in det.notes)
    j = tmp_path / "det.json"
    j.write_text(json.dumps({"results": {"v": [{"label": "A", "score": 1, "segment": [1, 2]},
                                               {"label": "A", "score": 2, "segment": [5, 3]}]}}))
    assert any("key 'results.v[1]'" in n for n in read_results_json(j).notes)


def test_string_scores_are_numbers_with_a_note(tmp_path):
    j = tmp_path / "det.json"
    j.write_text(json.dumps({"version": "x", "external_data": {}, "results": {"v": [
        {"label": "A", "score": "10", "segment": [1, 2]}, {"label": "A", "score": "9", "segment": [3, 4]}]}}))
    det = read_results_json(j)
    assert det.score.tolist() == [10.0, 9.0]
    assert len(det.notes) == 1 and "as text" in det.notes[0] and "results.v[0].score" in det.notes[0]


def test_empty_detection_file_gives_zero_aps_and_says_why(tmp_path, capsys):
    for name, text in (("empty.txt", ""), ("empty.json", json.dumps({"version": "1.3", "results": {}}))):
        p = tmp_path / name
        p.write_text(text)
        det = load_temporal_detections(p)
        assert len(det) == 0 and any("no detection" in n for n in det.notes)
        out = tmp_path / (name + ".out")
        code, stdout, err = run_cli(capsys, "eval-temporal", "--gt", THUMOS / "groundtruth", "--detections", p,
                                    "--protocol", "thumos14,activitynet", "--out", out)
        assert code == 0, err
        metrics = json.loads((out / "metrics.json").read_text())
        for method in metrics["methods"]:
            assert method["ap"]["mAP"] == [0.0] * 5
            assert any("every AP is 0" in w for w in method["ap"]["warnings"])
    with pytest.raises(InputError, match="empty"):
        read_detections_txt(tmp_path / "empty.txt")  # the low-level reader still refuses unless allow_empty


# ----------------------------------------------------------------------------- sanity pass


def _info(durations, fps=30.0):
    return {v: VideoInfo(name=v, fps=fps, duration_s=d, num_frames=int(d * fps)) for v, d in durations.items()}


def test_times_in_frames_stop_with_the_fix(tmp_path, capsys):
    gt = read_class_txt_dir(THUMOS / "groundtruth")
    real = np.flatnonzero(gt.label != AMBIGUOUS)
    lines = [f"{gt.video[i]} {gt.t_start_s[i] * 30:.1f} {gt.t_end_s[i] * 30:.1f} 7 0.5" for i in real]
    p = tmp_path / "frames.txt"
    p.write_text("\n".join(lines) + "\n")
    code, _, err = run_cli(capsys, "eval-temporal", "--gt", THUMOS / "groundtruth", "--detections", p)
    assert code == 2 and "look like frames, not seconds" in err and "Traceback" not in err
    code, _, err = run_cli(capsys, "eval-temporal", "--gt", THUMOS / "groundtruth", "--detections", p,
                           "--check-durations", "warn", "--out", tmp_path / "o")
    assert code == 0
    warnings = json.loads((tmp_path / "o" / "metrics.json").read_text())["methods"][0]["ap"]["warnings"]
    assert any("after their video's duration" in w for w in warnings)


def test_end_past_duration_error_above_five_percent_warning_below():
    info = _info({"v": 100.0})
    gt = seg([("v", 0, 10, "A")])
    rows = [("v", 0.0, 10.0, "A", 0.5)] * 19
    few = seg(rows + [("v", 50.0, 102.0, "A", 0.1)])  # 1 of 20 = 5 %: not more than 5 %
    res = temporal_map(gt, few, [0.5], video_info=info)
    assert any("1 of 20 detection(s) (5.0 %)" in w for w in res.warnings)
    many = seg(rows + [("v", 50.0, 102.0, "A", 0.1)] * 2)  # 2 of 21 > 5 %
    with pytest.raises(InputError, match="check_durations='warn'"):
        temporal_map(gt, many, [0.5], video_info=info)
    assert any("2 of 21" in w for w in temporal_map(gt, many, [0.5], video_info=info, check_durations=False).warnings)
    within = seg(rows + [("v", 50.0, 100.9, "A", 0.1)])  # within the 1 s slack
    assert not any("duration" in w for w in temporal_map(gt, within, [0.5], video_info=info).warnings)
    assert any("no video durations known" in w for w in temporal_map(gt, few, [0.5], video_info={}).warnings)


def test_video_info_found_next_to_the_ground_truth():
    info = load_temporal_video_info(THUMOS / "groundtruth")
    assert len(info) == 213 and info["video_test_0000004"].fps == 30.0
    assert len(load_temporal_video_info(THUMOS / "groundtruth", "validation")) == 200
    assert load_temporal_video_info(STPN / "gt.json") == {}


# ----------------------------------------------------------------------------- errors that name the fix


def test_class_name_in_class_id_column(tmp_path):
    p = tmp_path / "det.txt"
    p.write_text("video_test_0000004 1 2 BaseballPitch 0.5\n")
    with pytest.raises(InputError, match="holds a class name") as e:
        read_detections_txt(p)
    assert e.value.where == "line 1" and "class_index=" in str(e.value) and "JSON" in str(e.value)


def test_custom_classes_with_a_class_index_next_to_groundtruth(tmp_path):
    root = tmp_path / "data"
    gtdir = root / "groundtruth"
    gtdir.mkdir(parents=True)
    for name in ("Jump", "Run", "Ambiguous"):
        (gtdir / f"{name}_test.txt").write_text("v1  1.0 2.0\n" if name != "Ambiguous" else "")
    (root / "class_index_detection.txt").write_text("1 Jump\n2 Run\n")
    with pytest.raises(InputError, match="class_index=") as e:
        read_class_txt_dir(gtdir)
    assert "class_index_detection.txt" in str(e.value)
    assert read_class_txt_dir(gtdir, class_index=root / "class_index_detection.txt").classes == ("Jump", "Run")
    # the official evaluator's own layout (detclasslist.txt inside the folder) is used as it does
    (gtdir / "detclasslist.txt").write_text("1 Jump\n2 Run\n")
    assert read_class_txt_dir(gtdir).classes == ("Jump", "Run")


def test_dataset_root_instead_of_groundtruth(tmp_path, capsys):
    code, _, err = run_cli(capsys, "eval-temporal", "--gt", THUMOS, "--detections", STPN / "results.txt")
    assert code == 2 and f"did you mean {THUMOS / 'groundtruth'}?" in err


def test_validation_subset_reads_val_files(tmp_path, capsys):
    gt = load_temporal_gt(THUMOS / "groundtruth", subset="validation")
    assert len(gt.videos) > 0 and all(v.startswith("video_validation") for v in gt.videos)
    real = np.flatnonzero(gt.label != AMBIGUOUS)[:50]
    p = tmp_path / "val.txt"
    ids = {name: cid for cid, name in read_class_index().items()}
    p.write_text("".join(f"{gt.video[i]} {float(gt.t_start_s[i])!r} {float(gt.t_end_s[i])!r} {ids[gt.label[i]]} 1.0\n"
                         for i in real))
    code, _, err = run_cli(capsys, "eval-temporal", "--gt", THUMOS / "groundtruth", "--subset", "validation",
                           "--detections", p, "--protocol", "thumos14", "--out", tmp_path / "o")
    assert code == 0, err
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["methods"][0]["ap"]["counts"]["num_detections"] == 50


# ----------------------------------------------------------------------------- counts, notes, shared problem


def test_counts_and_the_activitynet_row_on_thumos_txt_ground_truth():
    gt = read_class_txt_dir(THUMOS / "groundtruth")
    det = read_detections_txt(STPN / "results.txt")
    res = temporal_map(gt, det, [0.5], protocol="activitynet")
    assert res.extra["counts"] == {"num_videos": 213, "num_gt_instances": 3358, "num_ambiguous": 99,
                                   "num_detections": 9151}
    note = next(w for w in res.warnings if w.startswith("ActivityNet protocol on ground truth with Ambiguous"))
    assert "213 videos and 3358 instances" in note and "thumos_gt.json (210 test videos" in note
    assert "video_test_0000270 (29 instance(s))" in note and "video_test_0001292 (Ambiguous only)" in note


def test_one_prepared_problem_serves_every_metric():
    gt, det = tied_case(0)
    problem = TemporalProblem(gt, det)
    for protocol in ("activitynet", "thumos14"):
        np.testing.assert_array_equal(temporal_map(gt, det, [0.3, 0.5], protocol=protocol, prepared=problem).ap,
                                      temporal_map(gt, det, [0.3, 0.5], protocol=protocol).ap)
    np.testing.assert_array_equal(temporal_corloc(gt, det, [0.3], prepared=problem).corloc,
                                  temporal_corloc(gt, det, [0.3]).corloc)
    with pytest.raises(InputError, match="prepared"):
        temporal_map(gt, det.select(np.arange(len(det)) > 0), [0.5], prepared=problem)


def test_cli_ties_flag_and_the_difference_in_metrics(tmp_path, capsys):
    expected = json.loads((TIES / "expected.json").read_text())["thumos14"]
    tious = ",".join(f"{t:g}" for t in expected["tiou_thresholds"])
    runs = {}
    for ties in ("protocol", "stable"):
        out = tmp_path / ties
        code, stdout, err = run_cli(capsys, "eval-temporal", "--gt", THUMOS / "groundtruth", "--detections",
                                    TIES / "detections.txt", "--protocol", "thumos14", "--tiou", tious,
                                    "--unknown-videos", "fp", "--ties", ties, "--out", out)
        assert code == 0, err
        assert "tied scores" in stdout
        runs[ties] = json.loads((out / "metrics.json").read_text())["methods"][0]["ap"]
    np.testing.assert_allclose(runs["protocol"]["mAP"], expected["mAP"], atol=1e-6)
    diff = np.abs(np.array(runs["protocol"]["mAP"]) - runs["stable"]["mAP"]).max()
    assert np.isclose(runs["protocol"]["tie_order_max_map_difference"], diff) and diff > 1e-4
    assert runs["stable"]["ties"] == "stable"


def test_all_integer_json_scores_are_sorted_as_the_official_int64_array(tmp_path):
    """ActivityNet's program sorts the scores as pandas holds them: int64 when every score is an
    integer. The ranking must be that argsort's, reversed, on the int64 array."""
    rng = np.random.default_rng(3)
    rows = [{"label": "A", "score": int(s), "segment": [float(t), float(t) + 2.0]}
            for s, t in zip(rng.integers(0, 3, 300), rng.integers(0, 100, 300))]
    j = tmp_path / "int.json"
    j.write_text(json.dumps({"results": {"v": rows}}))
    det = read_results_json(j)
    gt = seg([("v", float(t), float(t) + 2.0, "A") for t in range(0, 100, 7)])
    problem = TemporalProblem(gt, det)
    order, _ = problem.ranking("activitynet", "protocol")
    ints = np.array([r["score"] for r in rows], dtype=np.int64)
    np.testing.assert_array_equal(problem.b_row[order], ints.argsort()[::-1])


@pytest.mark.parametrize("seed", range(3))
def test_interval_search_finds_every_intersecting_pair(seed):
    """The binary-search candidate pairs equal full enumeration filtered by overlap > 0."""
    from evaluators.temporal import _pairs, _pairs_overlapping

    rng = np.random.default_rng(seed)
    gt_key = np.sort(rng.integers(0, 5, 60))
    gs = rng.integers(0, 400, 60) / 4.0
    ge = gs + rng.integers(0, 40, 60) / 4.0  # zero-length ones included
    order = np.lexsort((gs, gt_key))
    gt_key, gs, ge = gt_key[order], gs[order], ge[order]
    dk = rng.integers(0, 6, 500)  # key 5 has no ground truth
    ds = rng.integers(-8, 420, 500) / 4.0
    de = ds + rng.integers(1, 60, 500) / 4.0
    for fn in (overlap_thumos14, tiou_activitynet):
        full = _pairs(dk, ds, de, gt_key, gs, ge, fn, 0.0, strict=True)
        fast = _pairs_overlapping(dk, ds, de, gt_key, gs, ge, fn, strict=True)
        assert sorted(zip(*[a.tolist() for a in full])) == sorted(zip(*[a.tolist() for a in fast]))
        assert len(full[0]) > 50
