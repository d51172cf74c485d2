"""Data-parallel training across processes (GPUs or CPU cores), launched with `accelerate launch`.

Where it sits: around the loop in `archer.train`. Every process holds a full replica of the
policy, the critic and its target, and the optimizers. Per iteration:

    rollout  each process plays its share of the games (different seeds per process)
    buffer   the games of all processes are gathered, so every replica's replay buffer holds
             the same transitions in the same order and sampling sees the same distribution
    updates  each process computes gradients on its own batch; `average_gradients` all-reduces
             them before clipping, so every replica takes the same optimizer step
    log      metrics are averaged over processes; only the main process writes files

Replicas start identical (the same seed builds the same weights; `broadcast_parameters` makes
sure) and stay identical because they apply the same averaged gradients: a test launches two CPU
processes (gloo) and compares their weights after training.

We all-reduce gradients by hand instead of wrapping models in DistributedDataParallel: the
policy also generates text (`model.generate` is not reachable through a DDP wrapper), and the
critic's joint forward is called with varying shapes. The cost is one all-reduce per update of
flattened gradients, which is what DDP does too, without its bucketing overlap.

Without a launcher (one process), every function here is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
import torch.distributed as dist


def world_size() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def rank() -> int:
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def is_main() -> bool:
    return rank() == 0


def init_from_launcher() -> None:
    """Join the process group `accelerate launch` (or torchrun) set up in the environment, if any.

    accelerate's `PartialState` reads the launcher's variables, picks the backend (nccl on GPUs,
    gloo on CPU) and initialises torch.distributed; in a plain single process it does nothing.
    """
    import os

    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        import atexit

        from accelerate import PartialState

        PartialState()
        # Leave the group before the interpreter tears down: gloo's threads outliving it aborted a
        # rank at exit ("terminate called without an active exception") on a loaded 2-core machine.
        atexit.register(_leave_group)


def _leave_group() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def local_device() -> str | None:
    """The device this process should use when the config says 'auto' (None: decide as usual)."""
    if world_size() > 1 and torch.cuda.is_available():
        from accelerate import PartialState

        return str(PartialState().device)
    return None


def average_gradients(parameters: Iterable[torch.nn.Parameter]) -> None:
    """All-reduce the gradients of `parameters` to their mean over processes (no-op alone).

    The gradients are flattened into one buffer so that a step costs one collective call.
    """
    if world_size() == 1:
        return
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    flat /= world_size()
    offset = 0
    for g in grads:
        n = g.numel()
        g.copy_(flat[offset : offset + n].view_as(g))
        offset += n


def broadcast_parameters(module: torch.nn.Module) -> None:
    """Copy the main process's weights (and buffers) to every replica."""
    if world_size() == 1:
        return
    for tensor in [*module.parameters(), *module.buffers()]:
        dist.broadcast(tensor.data, src=0)


def gather_objects(items: list[Any]) -> list[Any]:
    """Concatenate each process's list, in rank order, on every process."""
    if world_size() == 1:
        return list(items)
    out: list[list[Any] | None] = [None] * world_size()
    dist.all_gather_object(out, items)
    return [x for part in out for x in (part or [])]


def mean_over_processes(metrics: dict[str, float]) -> dict[str, float]:
    """Average every metric over processes (same keys on every process)."""
    if world_size() == 1 or not metrics:
        return metrics
    keys = sorted(metrics)
    device = f"cuda:{torch.cuda.current_device()}" if dist.get_backend() == "nccl" else "cpu"  # nccl: GPU tensors only
    values = torch.tensor([float(metrics[k]) for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(values, op=dist.ReduceOp.SUM)
    values /= world_size()
    return dict(zip(keys, values.tolist()))


def barrier() -> None:
    if world_size() > 1:
        dist.barrier()


def share(n: int) -> tuple[int, int]:
    """(start, count) of this process's share of n items split as evenly as possible."""
    size, r = world_size(), rank()
    base, extra = divmod(n, size)
    start = r * base + min(r, extra)
    return start, base + (1 if r < extra else 0)
