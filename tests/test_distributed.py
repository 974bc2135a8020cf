"""Sharding helpers, and DDP training under torchrun with 2 CPU processes on gloo."""
import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from locbench.training.distributed import DistInfo, init_distributed, shard, shard_bounds


@pytest.mark.parametrize("n", [0, 1, 5, 7, 12])
@pytest.mark.parametrize("world", [1, 2, 3, 5])
@pytest.mark.parametrize("strided", [False, True])
def test_shards_cover_every_item_once(n, world, strided):
    items = [f"v{i}" for i in range(n)]
    parts = [shard(items, r, world, strided=strided) for r in range(world)]
    flat = [x for p in parts for x in p]
    assert sorted(flat) == sorted(items) and len(flat) == n
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 1
    for p in parts:  # order within a shard follows the input
        assert p == sorted(p, key=items.index)


def test_contiguous_and_strided_layouts():
    items = list(range(7))
    assert [shard(items, r, 3) for r in range(3)] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [shard(items, r, 3, strided=True) for r in range(3)] == [[0, 3, 6], [1, 4], [2, 5]]
    assert shard_bounds(7, 1, 3) == (3, 5)
    with pytest.raises(ValueError):
        shard(items, 3, 3)
    with pytest.raises(ValueError):
        shard(items, 0, 0, strided=True)


def test_single_process_is_world_of_one(monkeypatch):
    for k in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(k, raising=False)
    info = init_distributed("cpu")
    assert info == DistInfo(0, 1, 0, torch.device("cpu"), False)
    assert info.is_main and not info.is_distributed


SCRIPT = textwrap.dedent('''
    import os, sys, torch
    import locbench.training.train as T
    saves = []
    real_save = T.save_checkpoint
    def counting_save(path, *a, **k):
        saves.append(os.path.basename(path))
        return real_save(path, *a, **k)
    T.save_checkpoint = counting_save
    data, out, dump = sys.argv[1:4]
    cfg = T.TrainConfig(data=data, classes=os.path.join(data, "classes.txt"), out=out, epochs=2, batch_size=2,
                        num_frames=3, input_size=32, feature_channels=8, hidden_channels=4, spatial_widths=(4,),
                        attention_dim=4, progress=False, device="cpu", dropout=0.2,
                        val_list=os.path.join(data, "testlist01.txt"))  # issue 7: explicit
    res = T.train(cfg)
    rank = int(os.environ["RANK"])
    torch.save({"params": {k: p.detach() for k, p in res.model.state_dict().items()}, "saves": saves,
                "world": int(os.environ["WORLD_SIZE"]), "history": res.history},
               os.path.join(dump, f"rank{rank}.pt"))
''')


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    from locbench.synth.ucf_like import make_ucf_like

    root = tmp_path_factory.mktemp("synth")
    make_ucf_like(root, num_classes=3, train_per_class=3, test_per_class=2, size="48x40", frames="6,10",
                  overwrite=True)
    return root


def torchrun(args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"] + args
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.distributed
def test_ddp_ranks_stay_identical_and_only_rank0_writes(synth, tmp_path):
    script = tmp_path / "ddp_train.py"
    script.write_text(SCRIPT)
    out, dump = tmp_path / "run", tmp_path / "dump"
    dump.mkdir()
    proc = torchrun([str(script), str(synth), str(out), str(dump)], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0 = torch.load(dump / "rank0.pt", weights_only=True)
    r1 = torch.load(dump / "rank1.pt", weights_only=True)
    assert r0["world"] == r1["world"] == 2
    assert r0["params"].keys() == r1["params"].keys() and len(r0["params"]) > 10
    for k in r0["params"]:  # parameters, and BN statistics (rank 0's, broadcast before evaluation)
        assert torch.equal(r0["params"][k], r1["params"][k]), k
    assert r0["saves"] == ["last.pt", "best.pt", "last.pt"] or r0["saves"] == ["last.pt", "best.pt", "last.pt", "best.pt"]
    assert r1["saves"] == []
    assert sorted(os.listdir(out)) == ["best.pt", "config.json", "last.pt", "metrics.jsonl"]
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 2
    m = json.loads(lines[-1])
    assert m["val_clips"] == 6  # validation is sharded without padding: every video exactly once
    assert m["train_clips"] == 10  # DistributedSampler pads 9 training videos to 2 x 5
    no_time = lambda h: [{k: v for k, v in m.items() if k != "time_s"} for m in h]  # noqa: E731
    assert no_time(r0["history"]) == no_time(r1["history"])  # metrics are all-reduced: both ranks agree
    assert json.loads((out / "config.json").read_text())["world_size"] == 2


@pytest.mark.slow
@pytest.mark.distributed
def test_cli_under_torchrun(synth, tmp_path):
    out = tmp_path / "run"
    proc = torchrun(["-m", "locbench", "train", "--data", str(synth), "--classes", str(synth / "classes.txt"),
                     "--out", str(out), "--epochs", "1", "--frames", "2", "--input-size", "32",
                     "--feature-channels", "8", "--hidden", "4", "--spatial-widths", "4", "--attention-dim", "4",
                     "--batch-size", "2", "--device", "cpu", "--no-progress"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr.count("epoch 1 ") == 1  # only rank 0 logs
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.distributed
def test_ablate_under_torchrun_trains_ddp_and_rank0_writes_once(tmp_path):
    from locbench.synth.recognition import make_recognition

    root = tmp_path / "hmdb51"
    make_recognition(root, "hmdb51", num_classes=2, train_per_class=4, test_per_class=2, size="32x32", frames="4,5")
    out = tmp_path / "abl"
    args = ["-m", "locbench", "ablate", "--data", str(root), "--preset", "cpu", "--rows", "baseline,full",
            "--seeds", "0", "--epochs", "1", "--frames", "2", "--input-size", "32", "--feature-channels", "8",
            "--hidden", "4", "--spatial-widths", "4", "--attention-dim", "4", "--batch-size", "2", "--out", str(out),
            "--no-progress", "--device", "cpu"]
    proc = torchrun(args, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("| ours (full model)") == 1  # one table, printed by rank 0 only
    assert proc.stderr.count("[2/2] hmdb51 small full seed 0") == 1
    for row in ("baseline", "full"):
        folder = out / "hmdb51" / "small" / row / "seed0"
        assert json.loads((folder / "run" / "config.json").read_text())["world_size"] == 2  # trained with DDP
        res = json.loads((folder / "result.json").read_text())
        assert res["num_test"] == 4 and 0 <= res["top1"] <= 1  # every test video once, on rank 0
        assert len((folder / "scores.csv").read_text().splitlines()) == 1 + 4 * 2  # header + videos x classes
    rows = json.loads((out / "metrics.json").read_text())["rows"]
    assert [r["row"] for r in rows] == ["baseline", "full"]
    mtime = (out / "hmdb51" / "small" / "full" / "seed0" / "run" / "last.pt").stat().st_mtime_ns
    again = torchrun(args, tmp_path)  # resumes: both rows finished, nothing retrained, same table
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stderr.count("(finished earlier, not retrained)") == 2 and "epoch 1" not in again.stderr
    assert again.stdout == proc.stdout
    assert (out / "hmdb51" / "small" / "full" / "seed0" / "run" / "last.pt").stat().st_mtime_ns == mtime
