"""Video reading (files and frame folders), bad-video handling, and dataset layouts."""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotations.errors import InputError
from annotations.ucf101_24 import read_split_list
from locbench.video import find_videos, iter_readable, open_video, skip_failures, video_name
from locbench.video.reader import count_frames

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
W, H = 48, 32


def make_frames(n: int) -> np.ndarray:
    """Frames whose content encodes their index and has distinct R, G, B (catches BGR/RGB swaps)."""
    k = np.arange(n, dtype=np.int64)[:, None, None]
    yy, xx = np.mgrid[0:H, 0:W]
    r = (k * 7 + xx) % 256
    g = (k * 3 + 2 * yy) % 256
    b = np.broadcast_to(((k * 11) % 256), r.shape)
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def write_video(path, frames_rgb, fps=25.0, fourcc="FFV1"):
    writer = cv2.VideoWriter(str(path), cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*fourcc), fps, (W, H))
    assert writer.isOpened()
    for f in frames_rgb:
        writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    writer.release()
    return str(path)


@pytest.fixture(scope="module")
def frames():
    return make_frames(120)


@pytest.fixture(scope="module")
def lossless_avi(tmp_path_factory, frames):
    return write_video(tmp_path_factory.mktemp("v") / "clip.avi", frames, fps=25.0)


# ------------------------------------------------------------------------------------ files


def test_open_reports_geometry_and_rate(lossless_avi):
    with open_video(lossless_avi) as v:
        assert (v.name, v.fps, v.num_frames, v.width, v.height) == ("clip", 25.0, 120, W, H)
        assert v.duration_s == pytest.approx(4.8)
    assert open_video(lossless_avi, name="Class/v_x", fps=10.0).fps == 10.0
    assert open_video(lossless_avi).name == "clip"


def test_read_returns_exact_rgb_frames_in_request_order(lossless_avi, frames):
    v = open_video(lossless_avi)
    idx = np.array([5, 0, 119, 5, 64, 63, 3])
    got = v.read(idx)
    assert got.shape == (7, H, W, 3) and got.dtype == np.uint8
    np.testing.assert_array_equal(got, frames[idx])
    np.testing.assert_array_equal(v.read(np.arange(120)), frames)  # sequential, after random access
    assert v.read(np.zeros(0, dtype=np.int64)).shape == (0, H, W, 3)


@pytest.mark.parametrize("kwargs", [dict(max_grab=0), dict(max_grab=1000), dict(seek=False)])
def test_seek_and_grab_paths_agree(lossless_avi, frames, kwargs):
    v = open_video(lossless_avi, **kwargs)
    idx = np.array([100, 2, 3, 50, 51, 52, 119, 0])
    np.testing.assert_array_equal(v.read(idx), frames[idx])


def test_inter_frame_codec_reads_the_right_frames(tmp_path, frames):
    """mp4v has P-frames: seeking must still land on the asked frame (nearest rendered frame wins)."""
    path = write_video(tmp_path / "clip.mp4", frames, fps=30.0, fourcc="mp4v")
    v = open_video(path, max_grab=0)
    assert v.num_frames == 120 and v.fps == 30.0
    idx = np.array([97, 10, 60, 59, 118])
    got = v.read(idx).astype(np.int64)
    for g, k in zip(got, idx):
        err = np.abs(g[None] - frames.astype(np.int64)).mean(axis=(1, 2, 3))
        assert int(np.argmin(err)) == k


def test_out_of_range_and_bad_indices_raise_input_error(lossless_avi):
    v = open_video(lossless_avi)
    with pytest.raises(InputError, match="frame 120"):
        v.read([0, 120])
    with pytest.raises(InputError, match="frame -1"):
        v.read([-1])
    with pytest.raises(InputError, match="integer"):
        v.read(np.array([1.5]))


def test_missing_and_non_video_files(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        open_video(tmp_path / "nope.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video" * 100)
    with pytest.raises(InputError) as e:
        open_video(junk)
    assert str(junk) in str(e.value)
    txt = tmp_path / "notes.txt"
    txt.write_text("x")
    with pytest.raises(InputError, match="not a video"):
        open_video(txt)


@pytest.fixture()
def truncated_avi(tmp_path, frames):
    path = write_video(tmp_path / "cut.avi", frames[:60], fps=25.0)
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: len(data) // 2])  # the header still announces 60 frames
    return path


def test_truncated_video_raises_naming_the_frame(truncated_avi, frames):
    v = open_video(truncated_avi)
    assert v.num_frames == 60  # what the container says
    np.testing.assert_array_equal(v.read([0, 1]), frames[:2])
    with pytest.raises(InputError) as e:
        v.read([59])
    assert e.value.path == truncated_avi and e.value.where.startswith("frame ")
    assert "truncated" in e.value.problem


def test_verify_counts_the_frames_that_decode(truncated_avi, frames):
    v = open_video(truncated_avi, verify=True)
    assert v.announced_frames == 60
    assert 0 < v.num_frames < 60 and v.truncated
    assert count_frames(truncated_avi) == v.num_frames
    got = v.read(np.arange(v.num_frames))
    np.testing.assert_array_equal(got, frames[: v.num_frames])


def test_iter_readable_skips_bad_videos_and_reports_them(tmp_path, lossless_avi, truncated_avi):
    junk = tmp_path / "junk.avi"
    junk.write_bytes(b"\0" * 1000)
    videos = [("good", lossless_avi), ("missing", str(tmp_path / "missing.avi")), ("junk", str(junk)),
              ("cut", truncated_avi)]
    failures, notes = [], []
    opened = []
    for src in iter_readable(videos, failures, notes, verify=True):
        with skip_failures(failures, src.name):
            opened.append((src.name, src.num_frames))
            src.read([src.num_frames - 1])
    assert [n for n, _ in opened] == ["good", "cut"]
    assert [n for n, _ in failures] == ["missing", "junk"]
    assert all(reason for _, reason in failures)
    assert [n for n, _ in notes] == ["cut"] and "announced" in notes[0][1]


def test_skip_failures_records_and_swallows_only_video_errors(truncated_avi):
    failures = []
    v = open_video(truncated_avi)
    with skip_failures(failures, "cut"):
        v.read([59])
    assert failures and failures[0][0] == "cut" and "frame" in failures[0][1]
    with pytest.raises(ZeroDivisionError):  # a bug is not a bad video
        with skip_failures(failures, "x"):
            1 / 0


# ----------------------------------------------------------------------------------- folders


def write_folder(folder: Path, frames, pattern="{:05d}.png", first=1):
    folder.mkdir(parents=True)
    for k, f in enumerate(frames):
        cv2.imwrite(str(folder / pattern.format(k + first)), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    return folder


@pytest.mark.parametrize("pattern,first", [("{:05d}.png", 1), ("image_{:05d}.png", 1), ("frame{:06d}.png", 0)])
def test_frame_folder_numbering(tmp_path, frames, pattern, first):
    folder = write_folder(tmp_path / "v_A_g01_c01", frames[:12], pattern, first)
    v = open_video(folder)
    assert (v.name, v.num_frames, v.width, v.height, v.fps) == ("v_A_g01_c01", 12, W, H, 25.0)
    assert v.first_file_number == first
    idx = np.array([11, 0, 4, 4])
    np.testing.assert_array_equal(v.read(idx), frames[idx])  # file number first + k is frame k


def test_frame_folder_jpeg_reads_approximately(tmp_path, frames):
    folder = write_folder(tmp_path / "v", frames[:5], "{:05d}.jpg")
    got = open_video(folder).read([3]).astype(int)
    assert np.abs(got - frames[3]).mean() < 6


def test_frame_folder_fps_sidecar_and_argument(tmp_path, frames):
    folder = write_folder(tmp_path / "v", frames[:3])
    (folder / "fps.txt").write_text("29.97\n")
    assert open_video(folder).fps == 29.97
    assert open_video(folder, fps=10).fps == 10.0
    (folder / "fps.txt").write_text("fast\n")
    with pytest.raises(InputError, match="fps.txt"):
        open_video(folder)


def test_frame_folder_errors_name_the_problem(tmp_path, frames):
    folder = write_folder(tmp_path / "gap", frames[:5])
    os.remove(folder / "00003.png")
    with pytest.raises(InputError, match="number 3 is missing"):
        open_video(folder)
    mixed = write_folder(tmp_path / "mixed", frames[:2])
    cv2.imwrite(str(mixed / "image_00003.png"), frames[2])
    with pytest.raises(InputError, match="mixed"):
        open_video(mixed)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no numbered image"):
        open_video(empty)
    broken = write_folder(tmp_path / "broken", frames[:3])
    (broken / "00002.png").write_bytes(b"garbage")
    v = open_video(broken)
    with pytest.raises(InputError, match="frame 1"):
        v.read([0, 1])


# ------------------------------------------------------------------------------------ layout


def touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")


def test_video_name_rules():
    assert video_name("Basketball/v_Basketball_g01_c01") == "Basketball/v_Basketball_g01_c01"
    assert video_name("videos/Basketball/v_Basketball_g01_c01") == "Basketball/v_Basketball_g01_c01"
    assert video_name("v_Basketball_g01_c01") == "Basketball/v_Basketball_g01_c01"
    assert video_name("test/video_test_0000004") == "video_test_0000004"
    assert video_name("a/b/clip") == "a/b/clip"


def test_find_videos_ucf_files_and_frame_folders(tmp_path, frames):
    touch(tmp_path / "files" / "Biking" / "v_Biking_g01_c02.avi")
    touch(tmp_path / "files" / "Biking" / ".v_Biking_g01_c03.avi.tmp.avi")  # hidden: skipped
    touch(tmp_path / "files" / "Biking" / "notes.txt")
    assert find_videos(tmp_path / "files") == [
        ("Biking/v_Biking_g01_c02", str(tmp_path / "files" / "Biking" / "v_Biking_g01_c02.avi"))]
    frames_root = tmp_path / "ucf"
    write_folder(frames_root / "rgb-images" / "Fencing" / "v_Fencing_g02_c01", frames[:2], "{:05d}.jpg")
    found = find_videos(frames_root)
    assert [n for n, _ in found] == ["Fencing/v_Fencing_g02_c01"]
    assert open_video(found[0][1]).num_frames == 2


def test_find_videos_thumos_layout_and_duplicates(tmp_path):
    touch(tmp_path / "test" / "video_test_0000004.mp4")
    touch(tmp_path / "validation" / "video_validation_0000051.mp4")
    assert [n for n, _ in find_videos(tmp_path)] == ["video_test_0000004", "video_validation_0000051"]
    touch(tmp_path / "extra" / "video_test_0000004.avi")
    with pytest.raises(InputError, match="video_test_0000004"):
        find_videos(tmp_path)
    with pytest.raises(InputError):
        find_videos(tmp_path / "absent")


def test_find_videos_names_equal_real_ucf101_24_keys(tmp_path):
    """Parity: laid out as UCF101 is distributed, the names are exactly the keys of the split list."""
    names = read_split_list(SHARED / "data" / "ucf101_24" / "testlist01.txt")
    for n in names:
        touch(tmp_path / (n + ".avi"))
    assert [n for n, _ in find_videos(tmp_path)] == sorted(names)


def test_find_videos_names_equal_real_thumos_keys(tmp_path):
    from annotations.thumos14 import read_video_info_csv

    keys = list(read_video_info_csv(SHARED / "data" / "thumos14" / "test_video_info.csv"))
    for k in keys:
        touch(tmp_path / "TH14_test_set_mp4" / (k + ".mp4"))
    assert [n for n, _ in find_videos(tmp_path)] == sorted(keys)
