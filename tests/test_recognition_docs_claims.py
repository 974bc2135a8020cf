"""Claims of docs/recognition.md checked against the code (conventions users rely on).

Each expected value is derived by hand from the rule the doc states.
"""
from __future__ import annotations

import numpy as np

from annotations.recognition import hmdb51_group, read_hmdb51, read_ucf101, ucf101_group, write_hmdb51_splits, \
    write_ucf101_lists
from evaluators.classification import average_precision, class_ranks, classification_metrics


def test_hmdb51_classes_sorted_by_class_name_not_by_file_name(tmp_path):
    # docs/recognition.md: "classes sorted by name". Sorting the split *files* instead puts
    # 'kick_ball_test_split1.txt' before 'kick_test_split1.txt' ('b' < 't'), so kick_ball got label 0;
    # the usual HMDB51 class index (alphabetical names) has kick before kick_ball, climb before
    # climb_stairs, sword before sword_exercise (all three pairs are real HMDB51 classes).
    names = ["sword_exercise", "kick_ball", "climb", "kick", "sword", "climb_stairs"]
    write_hmdb51_splits(tmp_path, {c: [(f"src_{c}_u_nm_np1_fr_goo_0", 1), (f"src_{c}_u_nm_np1_fr_goo_1", 2)]
                                   for c in names}, split=1)
    s = read_hmdb51(tmp_path, split=1)
    assert s.classes == ("climb", "climb_stairs", "kick", "kick_ball", "sword", "sword_exercise")
    # and every clip carries the label of its own class under that order
    for v in s.train + s.test:
        assert s.classes[v.label] == v.name.split("/")[0]


def test_top_k_ties_go_to_the_lower_class_index():
    # video 0: all three scores equal, true class 2 -> ranks after classes 0 and 1: rank 2 (top-3 only)
    # video 1: true class 0 (0.4) ties class 2 (0.4), class 1 higher (0.5) -> rank 1 (top-2, not top-1)
    s = np.array([[0.3, 0.3, 0.3], [0.4, 0.5, 0.4]])
    assert class_ranks(s, [2, 0]).tolist() == [2, 1]
    r = classification_metrics(s, [2, 0], topk=(1, 2, 3))
    assert (r.top1, r.topk[2], r.topk[3]) == (0.0, 0.5, 1.0)
    # the top-1 prediction (confusion column) follows the same rule: video 0 -> class 0
    assert r.confusion[2].tolist() == [1, 0, 0]


def test_mean_per_class_leaves_out_classes_without_videos():
    # classes 0 and 1 have videos (accuracy 1 and 0.5), class 2 none: mean (1 + 0.5) / 2, not / 3
    s = np.array([[0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.9, 0.1, 0.0]])
    r = classification_metrics(s, [0, 1, 1], topk=(1,))
    assert r.mean_per_class == 0.75
    assert any("no video" in w for w in r.warnings)


def test_average_precision_ties_keep_the_lower_video_index_first():
    # equal scores; positive is video 2 -> ranked third: precision 1/3
    assert abs(average_precision([0.5, 0.5, 0.5], [0, 0, 1]) - 1 / 3) < 1e-12
    assert average_precision([0.5, 0.5, 0.5], [1, 0, 0]) == 1.0


def test_hmdb51_and_ucf101_groups_as_documented():
    assert hmdb51_group("April_09_brush_hair_u_nm_np1_ba_goo_0") == "April_09_brush_hair"
    assert ucf101_group("HandstandPushups/v_HandStandPushups_g01_c01") == "g01"


def test_ucf101_label_is_the_folder_not_the_file_name(tmp_path):
    classes = ("HandstandPushups", "HandstandWalking")
    write_ucf101_lists(tmp_path, classes, {1: ["HandstandPushups/v_HandStandPushups_g08_c01"]},
                       {1: ["HandstandPushups/v_HandStandPushups_g01_c01"]})
    s = read_ucf101(tmp_path, split=1, check_videos=False)
    assert [v.label for v in s.train + s.test] == [0, 0]
    assert s.test[0].group == "g01"


def _tiny_checkpoint(path, preprocess):
    from locbench.model.checkpoint import save_checkpoint
    from locbench.model.net import build_model
    from locbench.training.train import TrainConfig, model_config

    cfg = TrainConfig(data="", backbone="small", num_frames=2, input_size=32, feature_channels=8, hidden_channels=8,
                      spatial_widths=(8, 4), attention_dim=4)
    save_checkpoint(path, build_model(model_config(cfg, ("a", "b"))), selection={"preprocess": preprocess})
    return str(path)


def test_eval_classification_warns_when_a_he_trained_checkpoint_is_tested_without_the_centre_crop(tmp_path):
    # docs/recognition.md: the paper tests on the centre crop, and so does `ablate`; eval-classification
    # --checkpoint runs predict, which resizes whole frames. That changes the number, so it must be said.
    from locbench.commands.eval_classification import _preprocess_warnings

    he = _tiny_checkpoint(tmp_path / "he.pt", "he")
    plain = _tiny_checkpoint(tmp_path / "plain.pt", "resize")
    w = _preprocess_warnings([he, plain])
    assert len(w) == 1 and w[0].startswith(he) and "centre crop" in w[0] and "to 37 " in w[0]  # round(256 * 32 / 224) = 37, as he_clip_params
