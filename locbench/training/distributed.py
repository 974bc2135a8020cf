"""Multi-process helpers for ``torchrun``: process-group setup, rank checks, and work sharding.

Under ``torchrun`` (env ``WORLD_SIZE`` > 1) :func:`init_distributed` joins the process group (nccl on
CUDA, gloo on CPU); a plain ``python`` run is world size 1 and every helper is then a no-op.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Sequence, TypeVar

import torch
import torch.distributed as dist

T = TypeVar("T")


@dataclass(frozen=True)
class DistInfo:
    """This process's place in the job, and the device it should use."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")
    initialized_here: bool = False  # this call created the process group (so cleanup() may end it)

    @property
    def is_distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def resolve_device(device: str = "auto", local_rank: int = 0) -> torch.device:
    """``auto`` -> cuda:<local_rank> if CUDA is available, else cpu; ``cuda`` -> cuda:<local_rank>."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        if not torch.cuda.is_available():
            from annotations.errors import InputError

            raise InputError(None, "--device", "cuda requested but CUDA is not available")
        return torch.device("cuda", local_rank % max(torch.cuda.device_count(), 1))
    if device != "cpu":
        return torch.device(device)
    return torch.device("cpu")


def init_distributed(device: str = "auto", backend: str | None = None) -> DistInfo:
    """Join the torchrun process group if there is one; return rank, world size and device."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    dev = resolve_device(device, local_rank)
    created = False
    if world > 1 and not dist.is_initialized():
        if dev.type == "cuda":
            torch.cuda.set_device(dev)
        dist.init_process_group(backend or ("nccl" if dev.type == "cuda" else "gloo"))
        created = True
    if dist.is_initialized():
        world, rank = dist.get_world_size(), dist.get_rank()
    return DistInfo(rank, world, local_rank, dev, created)


def cleanup(info: DistInfo | None = None) -> None:
    """Leave the process group if ``info`` says :func:`init_distributed` created it (or unconditionally
    when ``info`` is None); no-op when not distributed."""
    if dist.is_available() and dist.is_initialized() and (info is None or info.initialized_here):
        dist.destroy_process_group()


def barrier() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def all_reduce_sum(t: torch.Tensor) -> torch.Tensor:
    """Sum of ``t`` over all ranks (in place, returned); identity when not distributed."""
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t


def broadcast_object(obj, src: int = 0):
    """``obj`` of rank ``src`` on every rank (for decisions only the main rank may make)."""
    if dist.is_available() and dist.is_initialized():
        box = [obj]
        dist.broadcast_object_list(box, src=src)
        return box[0]
    return obj


def broadcast_buffers(module: torch.nn.Module, src: int = 0) -> None:
    """Copy ``src``'s buffers (BatchNorm running statistics) to every rank, so all ranks evaluate the
    model that ``src`` saves."""
    if dist.is_available() and dist.is_initialized():
        for b in module.buffers():
            dist.broadcast(b.data, src=src)


def shard_bounds(num_items: int, rank: int, world: int) -> tuple[int, int]:
    """[start, stop) of rank's contiguous share; the first ``num_items % world`` ranks get one more."""
    if world < 1 or not 0 <= rank < world:
        raise ValueError(f"rank {rank} is not in a world of size {world}")
    base, extra = divmod(num_items, world)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


def shard(items: Sequence[T], rank: int, world: int, strided: bool = False) -> list[T]:
    """This rank's items: every item goes to exactly one rank, none twice, order kept.

    Contiguous blocks by default (sizes differ by at most one); ``strided`` deals items round-robin
    (``items[rank::world]``), which balances sorted-by-length work better.
    """
    items = list(items)
    if strided:
        if world < 1 or not 0 <= rank < world:
            raise ValueError(f"rank {rank} is not in a world of size {world}")
        return items[rank::world]
    start, stop = shard_bounds(len(items), rank, world)
    return items[start:stop]


__all__ = ["DistInfo", "resolve_device", "init_distributed", "cleanup", "barrier", "all_reduce_sum",
           "broadcast_object", "broadcast_buffers", "shard_bounds", "shard"]
