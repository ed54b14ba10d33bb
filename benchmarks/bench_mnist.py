"""How close the full-MNIST page's training steps come to the machine's matrix-multiply peak.

    python benchmarks/bench_mnist.py [--threads 1] [--rounds 7] [--steps 20]

For the steps of `labml_nn_distill.paper.mnist` (batch 128, Adam), with one thread by default
as each of the page's worker processes has:

* the teacher step: `PaperTeacher` (784-1200-1200-10, dropout, max-norm) on a jittered batch;
* the student step: `MnistStudent` (784-800-800-10) with the distillation loss at T = 20 and
  the teacher's logits read from a tensor, as the cache gives them;
* the consistent-teaching step: the batch jittered, the teacher's logits of it computed in
  evaluation mode without gradients, then the student step on it;
* the same student step with `torch.optim.Adam(fused=True)`, which the page does not use:
  its updates round differently, so adopting it would change the published numbers;

it prints images per second and the achieved GFLOP/s, counting the multiply-adds of the
linear layers (forward 2*in*out per example per layer, backward twice that, less the input
gradient of the first layer, which is not needed; the teacher's forward pass alone in the
consistent step), as a fraction of the peak of a square
float32 matrix product (`torch.mm`, 2048 x 2048) measured in the same process. The three
are timed in turns, `--rounds` times; medians. The load average is printed with them,
since the machine may be shared.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from labml_nn_distill.dataset import random_shift  # noqa: E402
from labml_nn_distill.large import PaperTeacher  # noqa: E402
from labml_nn_distill.paper.mnist import STUDENT, TEACHER  # noqa: E402
from labml_nn_distill.small import MnistStudent  # noqa: E402
from labml_nn_distill.train import training_step  # noqa: E402
from labml_nn_distill import DistillationConfigs  # noqa: E402
from dataclasses import replace  # noqa: E402


def linear_flops(model: torch.nn.Module) -> int:
    """Floating-point operations of one example's forward and backward through the linear layers."""
    layers = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    forward = sum(2 * m.in_features * m.out_features for m in layers)
    # Weight gradients for every layer, input gradients for every layer but the first
    backward = 2 * forward - 2 * layers[0].in_features * layers[0].out_features
    return forward + backward


def forward_flops(model: torch.nn.Module) -> int:
    """Floating-point operations of one example's forward pass through the linear layers."""
    return sum(2 * m.in_features * m.out_features for m in model.modules() if isinstance(m, torch.nn.Linear))


def timed(function, steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        function()
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--steps', type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    batch = TEACHER.batch_size
    images = torch.rand(batch, 1, 28, 28)
    labels = torch.randint(0, 10, (batch,))
    generator = torch.Generator().manual_seed(0)

    teacher = PaperTeacher().train()
    teacher_optimizer = torch.optim.Adam(teacher.parameters(), lr=1e-3)
    student = MnistStudent().train()
    student_optimizer = torch.optim.Adam(student.parameters(), lr=1e-3)
    teacher_logits = torch.randn(batch, 10) * 5
    student_configs = replace(STUDENT, distillation=DistillationConfigs(temperature=20.0))
    # The same student with torch's fused CPU Adam, a variant the page does not use (see README)
    fused = MnistStudent().train()
    fused_optimizer = torch.optim.Adam(fused.parameters(), lr=1e-3, fused=True)

    def teacher_step():
        training_step(teacher, teacher_optimizer, random_shift(images, 2, generator), labels, None, TEACHER)

    def student_step():
        training_step(student, student_optimizer, images, labels, teacher_logits, student_configs)

    evaluating = PaperTeacher().eval()

    @torch.inference_mode()
    def teacher_forward(batch_images):
        return evaluating(batch_images)

    def consistent_step():
        jittered = random_shift(images, 2, generator)
        training_step(student, student_optimizer, jittered, labels, teacher_forward(jittered).clone(), student_configs)

    def fused_step():
        training_step(fused, fused_optimizer, images, labels, teacher_logits, student_configs)

    size = 2048
    a, b = torch.randn(size, size), torch.randn(size, size)

    def matmul():
        torch.mm(a, b)

    variants = {'teacher step': (teacher_step, linear_flops(teacher) * batch, args.steps),
                'student step': (student_step, linear_flops(student) * batch, args.steps),
                'consistent step': (consistent_step, (linear_flops(student) + forward_flops(evaluating)) * batch,
                                    args.steps),
                'student, fused Adam': (fused_step, linear_flops(fused) * batch, args.steps),
                'peak (torch.mm 2048)': (matmul, 2 * size ** 3, 5)}
    for function, _, steps in variants.values():
        timed(function, 3)
    seconds = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, (function, _, steps) in variants.items():
            seconds[name].append(timed(function, steps))
    median = {name: statistics.median(values) for name, values in seconds.items()}
    peak = variants['peak (torch.mm 2048)'][1] / median['peak (torch.mm 2048)'] / 1e9
    print(f'torch {torch.__version__}, {args.threads} threads, load average {os.getloadavg()[0]:.2f} '
          f'(1 min), medians of {args.rounds} rounds in turns')
    print(f'{"variant":<22} {"images/s":>10} {"GFLOP/s":>9} {"of peak":>8}')
    for name, (_, flops, _) in variants.items():
        gflops = flops / median[name] / 1e9
        rate = f'{batch / median[name]:10.0f}' if 'peak' not in name else f'{"":>10}'
        print(f'{name:<22} {rate} {gflops:9.1f} {gflops / peak:8.0%}')


if __name__ == '__main__':
    main()
