"""Per-frame box CSV and tube CSV: round trips and one InputError per kind of bad input."""
import numpy as np
import pytest

from annotations.boxes_io import read_boxes_csv, read_tubes_csv, write_boxes_csv, write_tubes_csv
from annotations.errors import InputError
from annotations.types import FrameBoxes, Tube

HEADER = "video,frame,label,score,x1,y1,x2,y2\n"
ROW = "a/v_1,3,Biking,0.5,1,2,30,40\n"


def _csv(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_box_round_trip(tmp_path):
    boxes = FrameBoxes(["a/v_1", "a/v_1", "b/v_2"], [0, 7, 3], ["Biking", "Diving", "Biking"],
                       [[0.1, 0.2, 10.3, 20.4], [1 / 3, 2 / 3, 300, 200], [5, 5, 5, 5]], [0.9, 1 / 7, 0.0])
    write_boxes_csv(tmp_path / "d.csv", boxes)
    back = read_boxes_csv(tmp_path / "d.csv")
    assert back.video.tolist() == boxes.video.tolist() and back.label.tolist() == boxes.label.tolist()
    assert back.frame_idx.tolist() == [0, 7, 3]
    assert np.array_equal(back.boxes_xyxy, boxes.boxes_xyxy) and np.array_equal(back.score, boxes.score)
    assert back.source.endswith("d.csv")


def test_ground_truth_csv_without_score(tmp_path):
    gt = FrameBoxes(["a/v_1"], [2], ["Biking"], [[1, 2, 3, 4]])
    write_boxes_csv(tmp_path / "g.csv", gt)
    assert (tmp_path / "g.csv").read_text().splitlines()[0] == "video,frame,label,x1,y1,x2,y2"
    back = read_boxes_csv(tmp_path / "g.csv", require_score=False)
    assert back.score is None and back.boxes_xyxy.tolist() == [[1, 2, 3, 4]]
    with pytest.raises(InputError, match="line 1: missing column"):
        read_boxes_csv(tmp_path / "g.csv")


@pytest.mark.parametrize("text, pattern", [
    (HEADER + ROW + "a/v_1,3,Biking,0.5,1,2,30,40,99\n", r"line 3: expected 8 fields, found 9"),
    (HEADER + ROW + "a/v_1,x,Biking,0.5,1,2,30,40\n", r"line 3: frame is not a number: 'x'"),
    (HEADER + ROW + "a/v_1,3.5,Biking,0.5,1,2,30,40\n", r"line 3: frame must be an integer"),
    (HEADER + ROW + "a/v_1,3,Nope,0.5,1,2,30,40\n", r"line 3: unknown class name 'Nope'"),
    (HEADER + ROW + "a/v_1,3,Biking,nan,1,2,30,40\n", r"line 3: score is"),
    (HEADER + ROW + "a/v_1,3,Biking,,1,2,30,40\n", r"line 3: score is missing"),
    (HEADER + ROW + "a/v_1,3,Biking,-inf,1,2,30,40\n", r"line 3: score is not finite"),  # negative is fine, -inf not
    (HEADER + ROW + "a/v_1,3,Biking,0.5,31,2,30,40\n", r"line 3: x2 < x1"),
    (HEADER + ROW + "a/v_1,3,Biking,0.5,1,41,30,40\n", r"line 3: y2 < y1"),
    (HEADER + ROW + "a/v_1,-1,Biking,0.5,1,2,30,40\n", r"line 3: negative frame -1"),
    (HEADER + ROW + ",3,Biking,0.5,1,2,30,40\n", r"line 3: empty video"),
    (HEADER + ROW + "a/v_1,3,Biking,0.5,1,2,inf,40\n", r"line 3: x2 is not finite"),
    (HEADER, r"no boxes \(the file has only a header\)"),
    ("", r"empty file"),
    ("video,frame,label,score,x1,y1,x2\n" + "a,1,B,0.5,1,2,3\n", r"line 1: missing column\(s\) y2"),
])
def test_box_csv_errors(tmp_path, text, pattern):
    with pytest.raises(InputError, match=r"d\.csv: " + pattern if pattern[0] == "l" else pattern):
        read_boxes_csv(_csv(tmp_path, text), classes=["Biking", "Diving"])


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_boxes_csv(tmp_path / "nope.csv")


def test_blank_lines_keep_line_numbers(tmp_path):
    path = _csv(tmp_path, HEADER + ROW + "\n" + "a/v_1,3,Biking,0.5,31,2,30,40\n")
    with pytest.raises(InputError, match="line 4: x2 < x1"):
        read_boxes_csv(path)
    assert len(read_boxes_csv(_csv(tmp_path, HEADER + ROW + "\n" + ROW, "ok.csv"))) == 2


def test_inverted_boxes_can_be_kept(tmp_path):
    path = _csv(tmp_path, HEADER + "a/v_1,3,Biking,0.5,31,2,30,40\n")
    assert read_boxes_csv(path, inverted_boxes="keep").boxes_xyxy.tolist() == [[31, 2, 30, 40]]


def test_empty_allowed_when_asked(tmp_path):
    assert len(read_boxes_csv(_csv(tmp_path, HEADER), allow_empty=True)) == 0


# ------------------------------------------------------------------------------------------- tubes

TUBE_HEADER = "tube,video,label,score,frame,x1,y1,x2,y2\n"


def test_tube_round_trip(tmp_path):
    tubes = (Tube("a/v_1", "Biking", [4, 5, 6], [[1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 6.5]], 0.75),
             Tube("b/v_2", "Diving", [0], [[0, 0, 320, 240]], 0.125))
    write_tubes_csv(tmp_path / "t.csv", tubes)
    back = read_tubes_csv(tmp_path / "t.csv")
    assert len(back) == 2
    for a, b in zip(tubes, back):
        assert (a.video, a.label, a.score) == (b.video, b.label, b.score)
        assert a.frame_idx.tolist() == b.frame_idx.tolist() and a.boxes_xyxy.tolist() == b.boxes_xyxy.tolist()


def test_tube_rows_may_come_in_any_order(tmp_path):
    text = TUBE_HEADER + "t9,a/v,Biking,0.5,6,1,1,2,2\nt2,a/v,Biking,0.4,0,1,1,2,2\nt9,a/v,Biking,0.5,5,0,0,1,1\n"
    tubes = read_tubes_csv(_csv(tmp_path, text, "t.csv"))
    assert [t.score for t in tubes] == [0.5, 0.4]  # first-appearance order of tube ids
    assert tubes[0].frame_idx.tolist() == [5, 6] and tubes[0].boxes_xyxy[0].tolist() == [0, 0, 1, 1]


def test_ground_truth_tubes_without_score(tmp_path):
    write_tubes_csv(tmp_path / "t.csv", (Tube("a/v", "Biking", [1, 2], [[0, 0, 1, 1]] * 2),))
    assert "score" not in (tmp_path / "t.csv").read_text().splitlines()[0]
    back = read_tubes_csv(tmp_path / "t.csv", require_score=False)
    assert np.isnan(back[0].score) and back[0].frame_idx.tolist() == [1, 2]


@pytest.mark.parametrize("rows, pattern", [
    ("0,a/v,Biking,0.5,1,0,0,1,1\n0,a/v,Diving,0.5,2,0,0,1,1\n", r"line 3: tube '0' changes label"),
    ("0,a/v,Biking,0.5,1,0,0,1,1\n0,b/v,Biking,0.5,2,0,0,1,1\n", r"line 3: tube '0' changes video"),
    ("0,a/v,Biking,0.5,1,0,0,1,1\n0,a/v,Biking,0.6,2,0,0,1,1\n", r"line 3: tube '0' changes score"),
    ("0,a/v,Biking,0.5,1,0,0,1,1\n0,a/v,Biking,0.5,3,0,0,1,1\n", r"line 3: tube '0' skips from frame 1 to 3"),
    ("0,a/v,Biking,0.5,1,0,0,1,1\n0,a/v,Biking,0.5,1,0,0,1,1\n", r"line 3: tube '0' repeats frame 1"),
    ("0,a/v,Biking,0.5,-2,0,0,1,1\n", r"line 2: negative frame -2"),
    ("0,a/v,Biking,inf,2,0,0,1,1\n", r"line 2: score is not finite"),
])
def test_tube_csv_errors(tmp_path, rows, pattern):
    with pytest.raises(InputError, match=r"t\.csv: " + pattern):
        read_tubes_csv(_csv(tmp_path, TUBE_HEADER + rows, "t.csv"))


def test_tube_inverted_boxes_kept_by_default_or_refused(tmp_path):
    path = _csv(tmp_path, TUBE_HEADER + "0,a/v,Biking,0.5,1,10,0,5,1\n", "t.csv")
    assert read_tubes_csv(path)[0].boxes_xyxy.tolist() == [[10, 0, 5, 1]]
    with pytest.raises(InputError, match="line 2: x2 < x1"):
        read_tubes_csv(path, inverted_boxes="error")
    with pytest.raises(InputError, match="no tubes"):
        read_tubes_csv(_csv(tmp_path, TUBE_HEADER, "e.csv"))
