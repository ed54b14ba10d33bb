"""Images per second of one distillation step: labml_nn's own step against ours, in one process.

    pip install --no-deps labml-nn einops     # benchmark-only dependency (not in setup.py)
    python benchmarks/bench_step.py [--threads 2] [--repeats 7] [--steps 5] [--compile] [--channels-last]

Every variant trains labml_nn's CIFAR-10 student (`SmallModel`, 437K parameters) from its
teacher (`LargeModel`, 14.7M) on the same batch of 64 CIFAR-shaped images (3x32x32):

* labml_nn: its `distillation.Configs.step` itself, called with a stand-in for the configs
  object (models, Adam at 2.5e-4, its KL and cross-entropy losses, T=5, weights 100 and 0.5,
  its accuracy metric): teacher forward in `no_grad`, student forward, the two losses,
  backward, optimizer step, zero_grad, plus its tracker calls;
* ours, exact: `labml_nn_distill.train`'s step, teacher run on the batch under
  `inference_mode` (the `--teacher-logits per-batch` path);
* ours, cached: the same step reading the teacher's logits from the cache tensor
  (the `--teacher-logits cached` path, the default);
* the same two with our own `CifarTeacher`/`CifarStudent` (same layout, torch's BatchNorm2d).

Each variant: warm-up steps, then `--repeats` timings of `--steps` steps; the median is
reported, with the CPU time per step (steadier than the wall clock on a shared
machine); variants are timed in turns. `--compile` adds torch.compile'd variants of our steps, `--channels-last` variants
with channels_last weights and inputs. The last line is the ratio ours (cached) / labml_nn.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from labml_nn_distill import distillation_loss  # noqa: E402
from labml_nn_distill.large import CifarTeacher  # noqa: E402
from labml_nn_distill.small import CifarStudent  # noqa: E402
from labml_nn_distill.engineering.teacher_cache import teacher_logits_of  # noqa: E402
from labml_nn_distill.train import mixed_precision  # noqa: E402

BATCH_SIZE = 64
TARGET = 2.5


def import_labml_nn():
    """labml_nn's distillation module and its models, or None with the install line."""
    try:
        import labml_nn.distillation as distillation
        from labml_nn.distillation.large import LargeModel
        from labml_nn.distillation.small import SmallModel
        from labml_nn.helpers.metrics import Accuracy
        from labml_nn.helpers.trainer import BatchIndex
    except ImportError as error:
        print(f'labml_nn is not installed ({error}); it is the baseline of this benchmark:\n'
              f'    pip install --no-deps labml-nn einops', file=sys.stderr)
        return None
    return SimpleNamespace(distillation=distillation, LargeModel=LargeModel,
                           SmallModel=SmallModel, Accuracy=Accuracy, BatchIndex=BatchIndex)


def labml_step(labml, teacher, student, images, labels):
    """labml_nn's `Configs.step`, unchanged, on a stand-in `self` holding what it reads."""
    Configs = labml.distillation.Configs
    accuracy = labml.Accuracy()
    accuracy.set_state(accuracy.create_state())
    configs = SimpleNamespace(
        model=student, large=teacher, device=images.device,
        mode=SimpleNamespace(is_train=True),
        # The defaults `Configs` declares (labml turns them into config items on the class)
        kl_div_loss=torch.nn.KLDivLoss(log_target=True), loss_func=torch.nn.CrossEntropyLoss(),
        temperature=5.0, soft_targets_weight=100.0, label_loss_weight=0.5, accuracy=accuracy,
        optimizer=torch.optim.Adam(student.parameters(), lr=2.5e-4))
    batch_index = labml.BatchIndex(total=10 ** 9, total_iterations=1)
    batch_index.idx = 0

    def step():
        Configs.step(configs, (images, labels), batch_index)
    return step


def our_step(teacher, student, images, labels, cache: torch.Tensor | None):
    """`labml_nn_distill.train`'s step: cached logits or the teacher on the batch."""
    optimizer = torch.optim.Adam(student.parameters(), lr=2.5e-4)
    indices = torch.arange(len(labels), device=images.device)
    student.train()
    teacher.eval()

    def step():
        with mixed_precision(images.device):
            logits = student(images)
            if cache is not None:
                teacher_logits = teacher_logits_of(cache, indices)
            else:
                with torch.inference_mode():
                    teacher_logits = teacher(images)
                teacher_logits = teacher_logits.clone()
            loss = distillation_loss(logits, teacher_logits, labels, 5.0, 0.9)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return step


def make_cache(teacher, images) -> torch.Tensor:
    """The teacher's logits on the batch, `[1, batch, classes]`, as the cache holds them."""
    with torch.inference_mode():
        teacher.eval()
        logits = teacher(images).float()
    return logits[None].clone()


def time_steps(step, steps: int) -> tuple[float, float]:
    """Seconds per step, wall clock and CPU time of this process (all its threads)."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return (time.perf_counter() - wall) / steps, (time.process_time() - cpu) / steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--compile', action='store_true', help='also time torch.compile\'d steps')
    parser.add_argument('--channels-last', action='store_true', help='also time channels_last')
    arguments = parser.parse_args()
    labml = import_labml_nn()
    if labml is None:
        return 2
    torch.set_num_threads(arguments.threads)
    torch.manual_seed(0)
    device = torch.device(arguments.device)
    images = torch.randn(BATCH_SIZE, 3, 32, 32, device=device)
    labels = torch.randint(0, 10, (BATCH_SIZE,), device=device)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}, '
          f'batch {BATCH_SIZE}x3x32x32, median of {arguments.repeats} x {arguments.steps} steps')

    variants = {}
    baseline_name = 'labml_nn step (LargeModel/SmallModel)'
    headline_name = 'ours, cached (LargeModel/SmallModel)'

    def labml_models():
        torch.manual_seed(0)
        return labml.LargeModel().to(device), labml.SmallModel().to(device)

    def our_models():
        torch.manual_seed(0)
        return CifarTeacher().to(device), CifarStudent().to(device)

    variants[baseline_name] = labml_step(labml, *labml_models(), images, labels)
    teacher, student = labml_models()
    variants['ours, exact (LargeModel/SmallModel)'] = our_step(teacher, student, images, labels, None)
    teacher, student = labml_models()
    variants[headline_name] = our_step(teacher, student, images, labels, make_cache(teacher, images))
    teacher, student = our_models()
    variants['ours, exact (CifarTeacher/CifarStudent)'] = our_step(teacher, student, images, labels, None)
    teacher, student = our_models()
    variants['ours, cached (CifarTeacher/CifarStudent)'] = our_step(
        teacher, student, images, labels, make_cache(teacher, images))
    if arguments.channels_last:
        last = images.contiguous(memory_format=torch.channels_last)
        teacher, student = (m.to(memory_format=torch.channels_last) for m in our_models())
        variants['ours, exact, channels_last'] = our_step(teacher, student, last, labels, None)
        teacher, student = (m.to(memory_format=torch.channels_last) for m in our_models())
        variants['ours, cached, channels_last'] = our_step(
            teacher, student, last, labels, make_cache(teacher, last))
    if arguments.compile:
        teacher, student = our_models()
        variants['ours, exact, torch.compile'] = our_step(
            torch.compile(teacher), torch.compile(student), images, labels, None)
        teacher, student = our_models()
        variants['ours, cached, torch.compile'] = our_step(
            teacher, torch.compile(student), images, labels, make_cache(teacher, images))

    # Warm up every variant (and compile the compiled ones), then time them in turns, so
    # that other load on the machine falls on all of them alike
    for name, step in variants.items():
        started = time.perf_counter()
        for _ in range(3):
            step()
        print(f'warm-up {name:<44} {time.perf_counter() - started:6.1f} s', flush=True)
    wall = {name: [] for name in variants}
    cpu = {name: [] for name in variants}
    for _ in range(arguments.repeats):
        for name, step in variants.items():
            seconds, cpu_seconds = time_steps(step, arguments.steps)
            wall[name].append(seconds)
            cpu[name].append(cpu_seconds)
    print(f'\n{"variant":<48} {"images/s":>9} {"ms/step":>8} {"CPU ms/step":>12} {"x labml_nn":>11}')
    for name in variants:
        seconds = statistics.median(wall[name])
        # Ratio per round (same moment, same load), then the median over rounds
        ratio = statistics.median(b / s for b, s in zip(wall[baseline_name], wall[name]))
        print(f'{name:<48} {BATCH_SIZE / seconds:9.1f} {1000 * seconds:8.1f} '
              f'{1000 * statistics.median(cpu[name]):12.1f} {ratio:10.2f}x')
    ratio = statistics.median(b / s for b, s in zip(wall[baseline_name], wall[headline_name]))
    cpu_ratio = statistics.median(cpu[baseline_name]) / statistics.median(cpu[headline_name])
    print(f'\nours (cached) / labml_nn, same models, images/s: {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU time '
          f'(target >= {TARGET}x)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
