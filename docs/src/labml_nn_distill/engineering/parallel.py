r"""
---
title: Models in parallel
summary: >
  A page that trains many independent models trains them in worker processes, one per core,
  each with one torch thread and the data loaded once; a model waits for the models it needs
  (students for their teacher), and the command says which model of how many is done and
  about how long the rest will take.
---

# Models in parallel

The paper's MNIST page trains a teacher and, for each of three seeds, a dozen students.
They are independent once the teacher exists, so on a machine of $n$ cores $n$ of them can
train at once. We give each its own process rather than giving one model $n$ threads: a
small network's matrix products are too short to split well over threads, and on a machine
shared with other jobs threads that wait for each other at every operation are slower still
(see the [page skeleton](../paper/index.html)).

Every model still trains in one process with one thread, exactly as it would alone, so the
numbers do not depend on how many workers there were, nor on which worker took which model:
each model is one [labml run](runs.html), deterministic on its own. A worker loads the data
once, when it starts, and keeps it for every model it trains; the peak memory is therefore
one copy of the data per worker plus the command's own.

Workers print their training into a log file each, in the logs folder; the command itself
prints one line as each model finishes: which model of how many, how long it took, and an
estimate of the time left, from the time each finished model took per unit of its `cost`.
A kill stops the workers with the command; `--resume` takes every finished model from its
run, continues the unfinished ones from their last epoch, and estimates again. A model's
time is the sum over every sitting that trained it (the record below keeps it): counting
only the last sitting's part of a model that a kill cut would make the rest look cheap.

## The time a page took, in sittings

A long page may run in several sittings: killed in the evening, resumed the next day. Its
wall time is the time it worked, not the nights between, so each command appends to
`sittings.jsonl` in the logs folder one line when it starts, one when each model starts and
ends, and one every minute while it runs, each with the page's study id. A sitting lasts
from its start to its last line (a kill loses at most a minute), a model's time is the sum
over the sittings that trained it, and the page reads both back when it publishes.
"""

import json
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Job:
    """
    ### One model to train: its name, its cost relative to the others, the jobs it needs first
    """
    name: str
    cost: float = 1.0
    after: tuple[str, ...] = ()
    # What the page's `work` function needs to train it
    spec: dict = field(default_factory=dict)


# What a worker process set up once, for every job it runs
_state = None


def start_worker(setup, setup_args, log_dir: Path | None):
    """
    ### A worker's start: its own log file, no Ctrl-C of its own, and the page's `setup` run once

    Ctrl-C reaches every process of the terminal; the command stops its workers itself, so
    that the user sees one message, not one traceback per worker.
    """
    global _state
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / f'worker-{os.getpid()}.log', 'a')
        os.dup2(log.fileno(), sys.stdout.fileno())
        os.dup2(log.fileno(), sys.stderr.fileno())
    _state = setup(*setup_args)


def run_job(work, job: Job) -> dict:
    """
    ### Run one job in a worker; its result, with its wall and CPU seconds and the worker's peak memory
    """
    started, cpu = time.perf_counter(), time.process_time()
    result = work(_state, job)
    return {**result, 'seconds': round(time.perf_counter() - started, 1),
            'cpu_seconds': round(time.process_time() - cpu, 1), 'peak_rss_mib': peak_rss_mib()}


def peak_rss_mib() -> float:
    """
    ### This process's peak resident memory, in MiB (Linux reports KiB, macOS bytes)
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2 ** 20 if sys.platform == 'darwin' else 2 ** 10), 1)


class Progress:
    """
    ### Which model of how many has finished, and an estimate of the time left

    The estimate multiplies the cost still to train by the seconds that each unit of cost has
    taken so far, and divides by the number of workers. A model's seconds are those of every
    sitting that trained it, read from the record below: a model that a kill cut and this
    sitting finished took more than this sitting's part of it, and one that an earlier sitting
    finished still teaches the rate. Without a record, a model taken from its finished run
    teaches nothing about it.
    """

    def __init__(self, jobs: list[Job], workers: int, say=print):
        self.costs = {job.name: job.cost for job in jobs}
        self.workers, self.say = workers, say
        self.done, self.trained_cost, self.trained_seconds = [], 0.0, 0.0

    def finished(self, name: str, result: dict, seconds: float | None = None):
        """
        `seconds`: the model's training time over all sittings, when a record has it
        """
        self.done.append(name)
        if seconds is None and result.get('trained'):
            seconds = result['seconds']
        if seconds:
            self.trained_cost += self.costs[name]
            self.trained_seconds += seconds
        how = 'taken from its finished run'
        if result.get('trained'):
            how = f'{seconds / 60:.1f} min'
            # Say so when a kill cut it, so that its minutes are not read as this sitting's
            if seconds > result['seconds'] + 60:
                how += f' ({result["seconds"] / 60:.1f} of them in this sitting)'
        left = sum(cost for job, cost in self.costs.items() if job not in self.done)
        estimate = ''
        if self.trained_cost and left:
            minutes = left * self.trained_seconds / self.trained_cost / self.workers / 60
            estimate = f'; about {minutes:.0f} min left with {self.workers} worker{"s" if self.workers > 1 else ""}'
        self.say(f'[{len(self.done)}/{len(self.costs)}] {name}: {how}{estimate}', flush=True)


# ## The record of the sittings
#
# One JSON object per line, appended and never rewritten: a kill can only cut the last line,
# which the reader skips.

SITTINGS_FILE = 'sittings.jsonl'
# Seconds between the lines that say a sitting is still at work
HEARTBEAT_S = 60.0


class Sittings:
    """
    ### This sitting's lines in `sittings.jsonl`: its start, each model's start and end, and a heartbeat

    Without a logs folder nothing is written.
    """

    def __init__(self, log_dir: Path | None, study: str, workers: int, heartbeat_s: float | None = None):
        self.path = None if log_dir is None else Path(log_dir) / SITTINGS_FILE
        self.study, self.sitting = study, f'{os.getpid()}-{time.time():.3f}'
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.write('start', workers=workers)
        # The heartbeat runs beside the jobs, so that a kill in the middle of a long model loses
        # at most `heartbeat_s` of the sitting
        self.thread = threading.Thread(target=self.beat, args=(heartbeat_s or HEARTBEAT_S,), daemon=True)
        self.thread.start()

    def write(self, event: str, **fields):
        if self.path is None:
            return
        line = json.dumps({'study': self.study, 'sitting': self.sitting, 'event': event,
                           'time': round(time.time(), 1), **fields})
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, 'a') as file:
                file.write(line + '\n')

    def beat(self, heartbeat_s: float):
        while not self.stop.wait(heartbeat_s):
            self.write('alive', load=round(os.getloadavg()[0], 2))

    def job_seconds(self, job: str) -> float | None:
        """
        ### A model's training seconds over every sitting of the study, this one included
        """
        if self.path is None:
            return None
        return read_sittings(self.path, self.study)['job_seconds'].get(job)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.write('end')


def read_sittings(path: Path, study: str) -> dict:
    """
    ### A study's sittings, read back: their number, the seconds they worked, each job's seconds, the load, the memory

    The memory is the largest peak of a worker at the end of a model it trained; `workers`
    lists the numbers of workers the sittings ran with.

    A sitting's seconds run from its start to its last line; a job's, summed over the
    sittings that trained it, from its start to its end, or to its sitting's last line when a
    kill cut it. Sittings that trained nothing are left out.
    Lines marked `reconstructed` (written afterwards, from the times of the run's files) are
    counted like the others and reported as such.
    """
    lines = []
    for text in Path(path).read_text().splitlines() if Path(path).is_file() else []:
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if isinstance(line, dict) and line.get('study') == study:
            lines.append(line)
    by_sitting = defaultdict(list)
    for line in lines:
        by_sitting[line['sitting']].append(line)
    wall, jobs, loads, reconstructed, worked = 0.0, defaultdict(float), [], set(), 0
    peaks, workers = [], set()
    for sitting, events in by_sitting.items():
        starts = {e['job']: e['time'] for e in events if e['event'] == 'job-start'}
        ends = {e['job']: e for e in events if e['event'] == 'job-end'}
        # A sitting that trained nothing (it took every model from its finished run, as the
        # publishing command does) is not part of the time the page took
        if not any(job not in ends or ends[job].get('trained') for job in starts):
            continue
        worked += 1
        first, last = min(e['time'] for e in events), max(e['time'] for e in events)
        wall += last - first
        for job, started in starts.items():
            # A model taken from its finished run trained nothing in this sitting
            if job in ends and not ends[job].get('trained'):
                continue
            jobs[job] += (ends[job]['time'] if job in ends else last) - started
        loads += [e['load'] for e in events if 'load' in e]
        peaks += [e['peak_rss_mib'] for e in ends.values() if e.get('trained') and e.get('peak_rss_mib')]
        workers |= {e['workers'] for e in events if e['event'] == 'start' and e.get('workers')}
        if any(e.get('reconstructed') for e in events):
            reconstructed.add(sitting)
    return {'sittings': worked, 'reconstructed': len(reconstructed), 'wall_seconds': round(wall, 1),
            'job_seconds': {job: round(seconds, 1) for job, seconds in jobs.items()},
            'mean_load': round(sum(loads) / len(loads), 2) if loads else None,
            'peak_rss_mib': max(peaks, default=None), 'workers': sorted(workers)}


def ready(job: Job, done: set[str]) -> bool:
    return all(name in done for name in job.after)


def run_jobs(jobs: list[Job], work, setup, setup_args: tuple, workers: int = 1,
             log_dir: Path | None = None, say=print, study: str = '') -> tuple[dict[str, dict], Progress]:
    """
    ### Run every job, each after the jobs it needs; their results by name

    `setup(*setup_args)` runs once per worker (in this process when `workers` is 1) and
    returns what `work(state, job)` needs; `work` returns the job's result, a dict with
    `trained` true if it trained (false if it took a finished run). Jobs start in list order
    as soon as a worker is free and what they need has finished. Each sitting is recorded in
    `log_dir`, under `study`.
    """
    progress = Progress(jobs, workers, say)
    sittings = Sittings(log_dir, study, workers)
    try:
        return run_all(jobs, work, setup, setup_args, workers, log_dir, say, progress, sittings), progress
    finally:
        sittings.close()


def run_all(jobs: list[Job], work, setup, setup_args: tuple, workers: int, log_dir: Path | None, say,
            progress: Progress, sittings: Sittings) -> dict[str, dict]:
    """
    ### `run_jobs`'s work: in this process with one worker, else in a pool of worker processes
    """
    results = {}

    def finished(name: str):
        sittings.write('job-end', job=name, trained=bool(results[name].get('trained')),
                       peak_rss_mib=results[name].get('peak_rss_mib'))
        progress.finished(name, results[name], sittings.job_seconds(name))
    if workers == 1:
        start = time.perf_counter()
        state = setup(*setup_args)
        say(f'Set up in {time.perf_counter() - start:.0f} s; {len(jobs)} models to train or take.', flush=True)
        global _state
        _state = state
        for job in jobs:
            sittings.write('job-start', job=job.name)
            results[job.name] = run_job(work, job)
            finished(job.name)
        return results
    context = multiprocessing.get_context('spawn')
    pool = context.Pool(workers, initializer=start_worker, initargs=(setup, setup_args, log_dir))
    say(f'{workers} workers, {len(jobs)} models to train or take; the workers\' output is in '
        f'{log_dir}/worker-<pid>.log.', flush=True)
    try:
        waiting, running = list(jobs), {}
        while waiting or running:
            for job in [job for job in waiting if ready(job, set(results))][:workers - len(running)]:
                waiting.remove(job)
                sittings.write('job-start', job=job.name)
                running[job.name] = pool.apply_async(run_job, (work, job))
            if not running:
                raise RuntimeError(f'jobs wait for jobs that are not there: {[job.name for job in waiting]}')
            time.sleep(0.5)
            for name in [name for name, result in running.items() if result.ready()]:
                # `get` raises in this process what the job raised in its worker
                results[name] = running.pop(name).get()
                finished(name)
        pool.close()
    finally:
        # On any error, Ctrl-C or SIGTERM the workers stop with the command; each model's last
        # checkpoint is on disk for `--resume`
        pool.terminate()
        pool.join()
    return results
