"""
Write the record of sittings that ran before the MNIST page kept one, from the times of its files.

The full-MNIST run of 4 December 2026 started before `engineering/parallel.py` recorded its
sittings. This script writes, for each sitting given as START END (seconds since the epoch:
the command's start, and the last write of its workers' logs), the lines the record would
have had: the sitting's start and end, and each model's start (its `run.yaml`, or the
`run.yaml.N` labml kept when the run continued) and end (its final `model.pt`) inside that
window; a model still training at the end was cut by the kill. Every line is marked
`reconstructed`, and the page says how many sittings were.

    python scripts/reconstruct_sittings.py LOGS_DIR STUDY START END [START END ...]
"""
import json
import sys
from pathlib import Path

import yaml


def value(configs: dict, key: str):
    entry = configs.get(key)
    return entry.get('value') if isinstance(entry, dict) else entry


def job_name(run: Path) -> str | None:
    configs = yaml.safe_load((run / 'configs.yaml').read_text())
    if value(configs, 'model_name') == 'teacher':
        return 'teacher'
    key = json.loads(value(configs, 'run_key'))
    return f'{key["name"]}#{key["seed"]}'


def lines(logs_dir: Path, study: str, start: float, end: float) -> list[dict]:
    sitting = f'reconstructed-{start:.0f}'
    found = [{'event': 'start', 'time': start}]
    for run in sorted(logs_dir.glob('mnist_paper_*/*')):
        if not (run / 'configs.yaml').is_file():
            continue
        configs = yaml.safe_load((run / 'configs.yaml').read_text())
        if value(configs, 'study') != study:
            continue
        name = job_name(run)
        starts = [p.stat().st_mtime for p in run.glob('run.yaml*') if start <= p.stat().st_mtime <= end]
        if not starts:
            continue
        found.append({'event': 'job-start', 'time': min(starts), 'job': name})
        ends = [p.stat().st_mtime for p in run.glob('checkpoints/*/model.pt') if start <= p.stat().st_mtime <= end]
        if ends:
            found.append({'event': 'job-end', 'time': max(ends), 'job': name, 'trained': True})
    found.append({'event': 'end', 'time': end})
    return [{'study': study, 'sitting': sitting, **line, 'time': round(line['time'], 1), 'reconstructed': True}
            for line in sorted(found, key=lambda line: line['time'])]


def main(argv: list[str]):
    logs_dir, study, times = Path(argv[0]), argv[1], [float(t) for t in argv[2:]]
    path = logs_dir / 'mnist_workers' / 'sittings.jsonl'
    with open(path, 'a') as file:
        for start, end in zip(times[::2], times[1::2]):
            for line in lines(logs_dir, study, start, end):
                file.write(json.dumps(line) + '\n')
    print(f'{path}: {len(times) // 2} sittings reconstructed')


if __name__ == '__main__':
    main(sys.argv[1:])
