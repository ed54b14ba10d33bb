"""Wall time per phase of the default embedded study, and its peak memory, in one process.

    python benchmarks/bench_study.py [--threads 2] [-- STUDY OPTIONS ...]

Runs `python -m labml_nn_distill.experiment` in this process (options after `--` go to the
study, e.g. `-- --teacher-logits per-batch` or `-- --teacher-run UUID`), writing its runs and
results into a fresh temporary folder unless the options say otherwise, and reports:

* the wall time of each phase: loading the data, each labml run (teacher, baseline,
  distilled, label smoothing) and, inside the distilled run, getting the teacher's cached
  logits (computed, or read from `logs/teacher_cache/`);
* the peak resident memory of the process (`resource.getrusage`, which counts torch's
  tensors; `tracemalloc` would see only Python's own allocations), and what it was before
  the study started.
"""
import argparse
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import labml_nn_distill.experiment as experiment  # noqa: E402
import labml_nn_distill.engineering.runs as runs  # noqa: E402
import labml_nn_distill.engineering.teacher_cache as teacher_cache  # noqa: E402
from labml_nn_distill.engineering.command import exit_status  # noqa: E402


def timed(module, name: str, label, timings: dict):
    """Replace `module.name` by a wrapper that adds its wall time to `timings[label(...)]`."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timings[label(*args, **kwargs)] += time.perf_counter() - started
    setattr(module, name, wrapper)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('study', nargs='*', help='options for the study, after --')
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix='bench-study-'))
    study_argv = ['--output-dir', str(folder / 'results'), '--logs-dir', str(folder / 'logs')]
    study_argv += arguments.study
    # The study sets its threads to the cores it may use; hold it to `--threads`
    torch.set_num_threads = (lambda set_threads: lambda _: set_threads(arguments.threads))(torch.set_num_threads)
    torch.set_num_threads(arguments.threads)

    timings = defaultdict(float)
    timed(experiment, 'load_dataset', lambda *a, **k: 'load data', timings)
    # Every labml run of the study goes through the run engine's `train`
    timed(runs, 'train', lambda model, data, configs, name, **k: name.split('_', 1)[1], timings)
    timed(teacher_cache, 'cached_teacher_outputs', lambda *a, **k: '  of which: teacher logits (cache)', timings)
    before = peak_rss_mib()
    started = time.perf_counter()
    # The study's exit status, as the command would end (one line on stderr when it is not 0)
    status = exit_status(experiment.main, study_argv)
    total = time.perf_counter() - started
    if status != 0:
        return status

    print(f'\nstudy options: {" ".join(study_argv)}')
    print(f'torch {torch.__version__}, {arguments.threads} threads')
    print(f'{"phase":<40} {"wall s":>8}')
    for phase in ['load data', 'teacher', 'baseline', 'distilled', '  of which: teacher logits (cache)',
                  'label_smoothing']:
        if phase in timings:
            print(f'{phase:<40} {timings[phase]:8.2f}')
    print(f'{"whole study":<40} {total:8.2f}')
    print(f'peak RSS: {peak_rss_mib():.0f} MiB (before the study: {before:.0f} MiB)')
    print(f'runs and results in {folder}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
