"""The attention file round-trips, and a bad one is refused with the key that is wrong."""
import numpy as np
import pytest

from annotations.errors import InputError
from locbench.inference.attention import AttentionRecord, attention_path, load_attention, load_attention_dir, save_attention


def _rec():
    return AttentionRecord(video="Basketball/v_Basketball_g01_c01", classes=("a", "b"),
                           class_scores=np.array([0.25, 0.75]), frame_idx=np.array([0, 3, 6]), fps=25.0,
                           frame_size=(240, 320), masks=np.random.default_rng(0).random((3, 7, 7)),
                           frame_importance=np.array([0.5, 2.0, 0.5]), windows=np.array([[0, 1, 2]]),
                           temporal_weights=np.full((1, 4, 3), 1 / 3), window_class_scores=np.array([[0.25, 0.75]]))


def test_round_trip(tmp_path):
    rec = _rec()
    path = attention_path(tmp_path, rec.video)
    assert path.endswith("Basketball/v_Basketball_g01_c01.npz")
    save_attention(path, rec)
    back = load_attention(path)
    assert back.video == rec.video and back.classes == rec.classes and back.frame_size == (240, 320)
    np.testing.assert_array_equal(back.frame_idx, rec.frame_idx)
    np.testing.assert_allclose(back.masks, rec.masks, atol=1e-3)  # stored as float16
    np.testing.assert_allclose(back.time_s, [0.0, 0.12, 0.24])
    assert [r.video for r in load_attention_dir(tmp_path)] == [rec.video]


@pytest.mark.parametrize("key,value,message", [
    ("class_scores", np.array([0.1, 0.2, 0.3]), "3 values for 2 classes"),
    ("frame_idx", np.array([0, 6, 3]), "strictly increasing"),
    ("masks", np.ones((2, 7, 7)), "should be (3, h, w)"),
    ("fps", np.float64(-1), "must be positive"),
])
def test_bad_values_name_the_key(tmp_path, key, value, message):
    rec = _rec()
    path = tmp_path / "x.npz"
    save_attention(path, rec)
    with np.load(path) as z:
        data = dict(z)
    data[key] = value
    np.savez(path, **data)
    with pytest.raises(InputError) as err:
        load_attention(path)
    assert str(path) in str(err.value) and key in str(err.value) and message in str(err.value)


def test_missing_and_garbage_files(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_attention(tmp_path / "nope.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable"):
        load_attention(junk)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no .npz"):
        load_attention_dir(tmp_path / "empty")
