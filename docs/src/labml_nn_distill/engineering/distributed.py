r"""
---
title: Training on several processes with torch.distributed
summary: >
  torchrun starts one process per GPU (or several on a CPU); each takes its share of every
  batch, DistributedDataParallel averages the gradients, and only the first process
  writes labml runs and checkpoints.
---

# Training on several processes with torch.distributed

```bash
torchrun --nproc_per_node 2 -m labml_nn_distill.experiment
```

starts two copies of the study. `torchrun` tells each its `RANK` (which copy it is), the
`WORLD_SIZE` (how many there are) and where to meet (`MASTER_ADDR`, `MASTER_PORT`); they
join one *process group*, over NCCL between GPUs or gloo between CPU processes.

Every process builds the same data and the same model from the same seed, and draws the
same batch order and augmentation from the same generator. Of each batch of $B$ examples,
process $r$ of $N$ keeps examples $r, r + N, r + 2N, \dots$ (what PyTorch's
`DistributedSampler` does with a dataset), so together they see the batch exactly once.
[DistributedDataParallel](https://pytorch.org/docs/stable/notes/ddp.html) averages the
gradients of the $N$ shares during the backward pass; with equal shares that average is the
gradient of the whole batch's mean loss, so $N$ processes follow the curve of one process
with the same $B$ (up to the order of floating-point sums).

The teacher's logits for the training set are computed once, by the first process, and
sent to the others. Only the first process writes labml runs, checkpoints and results;
the others read the checkpoints when resuming.
"""

import os

import torch
import torch.distributed as dist
from torch import nn

from labml_nn_distill.engineering import UserError, first_line


def world_size() -> int:
    """
    ### How many processes train together (1 without torchrun)
    """
    return dist.get_world_size() if dist.is_initialized() else 1


def rank() -> int:
    """
    ### Which of them this process is (0 without torchrun)
    """
    return dist.get_rank() if dist.is_initialized() else 0


def is_main() -> bool:
    """
    ### Whether this process writes runs, checkpoints and results
    """
    return rank() == 0


def choose_device(name: str) -> torch.device:
    """
    ### The device `--device` names: `auto` (a GPU when there is one), `cpu`, `cuda`, `cuda:1`, ...

    A device that cannot hold a tensor is refused at once, in one line, before any data is read.
    """
    if name == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    try:
        device = torch.device(name)
        torch.empty(1, device=device)
    except (RuntimeError, AssertionError, NotImplementedError) as error:
        # torch's message for a backend it was not built with lists sixty dispatch keys; its
        # first sentence says what is wrong
        reason = first_line(error).split('. ')[0][:200]
        raise UserError(f'Cannot use device {name!r} ({reason}). Pass --device cpu, or --device '
                        f'auto to take a GPU when there is one.') from None
    return device


def setup(device: torch.device) -> torch.device:
    """
    ### Join the process group that torchrun describes, and pick this process's device

    NCCL connects GPUs; gloo connects CPU processes. With several GPUs on a machine,
    process `LOCAL_RANK` takes GPU `LOCAL_RANK`.
    """
    if int(os.environ.get('WORLD_SIZE', '1')) <= 1 or dist.is_initialized():
        return device
    if device.type == 'cuda':
        device = torch.device('cuda', int(os.environ.get('LOCAL_RANK', '0')))
        torch.cuda.set_device(device)
    dist.init_process_group(backend='nccl' if device.type == 'cuda' else 'gloo')
    # The CPU cores of the machine are shared by the processes on it
    local_processes = int(os.environ.get('LOCAL_WORLD_SIZE', '1'))
    torch.set_num_threads(max(1, torch.get_num_threads() // local_processes))
    return device


def finish():
    """
    ### Leave the process group
    """
    if dist.is_initialized():
        dist.destroy_process_group()


def wrap(model: nn.Module) -> nn.Module:
    """
    ### The model that averages gradients over processes (the model itself when alone)
    """
    if world_size() == 1:
        return model
    device_ids = [model_device(model).index] if model_device(model).type == 'cuda' else None
    return nn.parallel.DistributedDataParallel(model, device_ids=device_ids)


def model_device(model: nn.Module) -> torch.device:
    """
    ### The device of a model's parameters
    """
    return next(model.parameters()).device


def shard(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """
    ### This process's share of a batch: every `world_size`-th example from its rank
    """
    if world_size() == 1:
        return tensors
    return tuple(tensor[rank()::world_size()] for tensor in tensors)


def sum_over_processes(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """
    ### Sum each tensor over all processes (the epoch's loss and correct predictions)
    """
    if world_size() > 1:
        for tensor in tensors:
            dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensors


def computed_once(compute, device: torch.device) -> torch.Tensor:
    """
    ### A tensor computed by the first process and sent to every other

    The others learn its shape and type first, to make room for it.
    """
    if world_size() == 1:
        return compute()
    tensor = compute() if is_main() else None
    description = [(tensor.shape, tensor.dtype) if is_main() else None]
    dist.broadcast_object_list(description, src=0)
    if not is_main():
        tensor = torch.empty(description[0][0], dtype=description[0][1], device=device)
    dist.broadcast(tensor, src=0)
    return tensor
