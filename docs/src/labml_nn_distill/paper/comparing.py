r"""
---
title: What "beats" means
summary: >
  When the results say that one model beats another, and when they say "within the noise":
  a paired bootstrap over seeds and test digits, and the one rule that words every comparison.
---

# What "beats" means

Two students of the same seed make, say, 41 and 37 errors on the 1,000 test digits. Is the
second better? Maybe: or maybe another seed, or another thousand digits, would reverse the
order. A sentence on these pages says "beats" only when the difference is larger than that
noise, and "within the noise" otherwise; this page says how that is decided, so that a reader
can check every such sentence, and it is the only place where that is decided.

There are two sources of noise, and the comparison resamples both:

* **the seeds**: a seed fixes the initial weights, the batch order and the augmentation; the
  pages train every model with several seeds;
* **the test digits**: they are a sample of all the digits the models could be shown.

The comparison is *paired*. Models A and B of the same seed start from the same weights and
see the same batches, and they are tested on the same digits, so we look at the digits one
by one: where both are wrong or both are right, the digit says nothing about which is better;
it counts only where exactly one of them is wrong. That removes most of the noise that two
unpaired error counts would carry.

Each page records, for every model and seed, *which* test digits it got wrong, so that any
comparison can be made again from the committed JSON.
"""

import math

import numpy as np


# ## Comparing two models
#
# "Student A beats student B" is a claim about more digits and more seeds than we ran. Each
# page records, for every model and seed, *which* test digits it got wrong. A and B of the same
# seed started from the same weights and saw the same batches, so their difference is paired:
# we resample the seeds, and the test digits, with replacement, 10,000 times, and take the
# middle 95 % of the resampled mean difference in errors as the interval. A page writes
# "beats" only when that interval excludes 0, and "within the noise" otherwise; when the end of
# the interval nearest 0 lies within one test digit of it, either verdict adds "but only just",
# since one digit more or less could turn it.

# Resamples of the paired bootstrap, and the seed of its generator (the interval is deterministic)
BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 0


def resampled(n_seeds: int, n_examples: int, resamples: int):
    """
    ### The paired bootstrap's resamples: how often each seed and each test digit is drawn

    Yields `(seeds, examples)` in chunks of at most 500 resamples, so that 10,000 resamples of
    10,000 digits stay small in memory: `seeds[r, s]` counts the draws of seed `s` in resample
    `r`, `examples[r, i]` those of digit `i`. The generator is seeded, so every interval on
    every page is the same each time it is computed.
    """
    generator = np.random.default_rng(BOOTSTRAP_SEED)
    for start in range(0, resamples, 500):
        size = min(500, resamples - start)
        yield (generator.multinomial(n_seeds, [1 / n_seeds] * n_seeds, size=size),
               generator.multinomial(n_examples, [1 / n_examples] * n_examples, size=size))


def paired_bootstrap(wrong_a: list[list[int]], wrong_b: list[list[int]], n_examples: int,
                     resamples: int = BOOTSTRAP_RESAMPLES) -> dict:
    """
    ### Mean over seeds of (errors of B − errors of A), with its 95 % bootstrap interval

    `wrong_a[s]` lists the test examples model A got wrong with seed `s`, likewise `wrong_b`.
    Positive means A makes fewer errors than B.
    """
    n_seeds = len(wrong_a)
    assert n_seeds == len(wrong_b) and n_seeds > 0
    # `difference[s, i]`: 1 where only B is wrong, -1 where only A is, 0 where both or neither
    difference = np.zeros((n_seeds, n_examples))
    for seed, (a, b) in enumerate(zip(wrong_a, wrong_b)):
        np.add.at(difference[seed], np.asarray(b, dtype=np.int64), 1.0)
        np.subtract.at(difference[seed], np.asarray(a, dtype=np.int64), 1.0)
    estimates = [((seeds @ difference) * examples).sum(1) / n_seeds
                 for seeds, examples in resampled(n_seeds, n_examples, resamples)]
    low, high = np.quantile(np.concatenate(estimates), [0.025, 0.975])
    return {'difference': float(difference.sum() / n_seeds), 'low': float(low), 'high': float(high)}


# An end of the interval closer to 0 than one test digit (mean over the seeds) is at the edge:
# one digit more or less, or another resample, could move the verdict, so the sentence says so
EDGE = 1.0


def signed(value: float) -> str:
    """
    ### A number with its sign, to one decimal, but never "+0.0" for a number that is not 0

    An interval shown as "+0.0 to +5.3" beside "beats" would read as touching zero when it
    does not; such an end gets the digits it needs.
    """
    if value == 0:
        return '0.0'
    text = f'{value:+.1f}'
    return text if float(text) != 0 else f'{value:+.1g}'


def verdict(comparison: dict, better: str, worse: str, link: str | None = 'comparing.html') -> str:
    """
    ### The sentence a comparison allows: "beats" or "within the noise", told from the side of the one with fewer errors

    Its verdict links to `link`, this page, so that a reader of any "beats" can find what it
    means; `None` leaves the words plain. A verdict whose interval ends within `EDGE` of 0 is
    worded as what it is: "beats, but only just" or "within the noise, but only just".
    """
    difference, low, high = comparison['difference'], comparison['low'], comparison['high']
    if difference < 0:
        # Told from the side of the one that made fewer errors
        better, worse, difference, low, high = worse, better, -difference, -high, -low
    interval = f'{difference:.1f} fewer errors, 95 % interval {signed(low)} to {signed(high)}'
    beats, noise = ('beats', 'within the noise') if link is None else (
        f'[beats]({link})', f'[within the noise]({link})')
    if low > 0:
        if low < EDGE:
            return f'{better} {beats} {worse}, but only just ({interval}: its lower end is within one digit of 0)'
        return f'{better} {beats} {worse} ({interval})'
    if low > -EDGE and difference > 0:
        return (f'{better} and {worse} are {noise} of each other, but only just ({interval}: its lower end is '
                f'within one digit of 0)')
    return f'{better} and {worse} are {noise} of each other ({interval})'


# ## Many comparisons on one page
#
# Each interval is a 95 % interval, so a pair of models that do not differ at all still reads
# "beats" about one time in twenty. A page that makes many comparisons says how many, and how
# many false "beats" chance alone would give among them. We state the count rather than widen
# every interval (Holm's correction would): the intervals stay those of one comparison, which
# is what each sentence reports, and the reader can weigh a single narrow "beats" among many.

def multiplicity(n_comparisons: int) -> str:
    """
    ### The sentence that puts a page's comparisons in their number
    """
    expected = 0.05 * n_comparisons
    return (f'These are {n_comparisons} comparisons, each at 95 %: even if no two of the models differed, about '
            f'{expected:.1f} of them would read "beats" by chance, so one narrow "beats" among them is weak evidence.')


# ## One seed at a time: McNemar's test
#
# The bootstrap pools the seeds. McNemar's exact test asks the question of one seed alone: of
# the digits where exactly one of the two models is wrong, are A's share and B's share further
# from half and half than a fair coin would put them? It answers with a two-sided $p$-value
# (the binomial tail, doubled); it is reported beside the bootstrap, never instead of it.

def mcnemar(wrong_a: list[int], wrong_b: list[int]) -> dict:
    """
    ### McNemar's exact test for one seed: digits only A gets wrong, only B gets wrong, and $p$
    """
    a, b = set(wrong_a), set(wrong_b)
    only_a, only_b = len(a - b), len(b - a)
    n = only_a + only_b
    tail = sum(math.comb(n, k) for k in range(min(only_a, only_b) + 1)) / 2 ** n if n else 1.0
    return {'only_a': only_a, 'only_b': only_b, 'p': min(1.0, 2 * tail)}


# ## The share of the gap closed, with its interval
#
# The paper's headline is a share: of the errors the baseline makes beyond the teacher's, how
# many does distillation remove? For seed $s$ it is $(B_s - D_s) / (B_s - T)$, with $B_s$, $D_s$
# and $T$ the errors of the baseline, the distilled student and the (one) teacher. We report its
# mean over the seeds, and an interval from the same paired bootstrap: resample the seeds and
# the test digits, count each model's errors on the resample, and take the middle 95 % of the
# mean share.

def gap_closed(wrong_teacher: list[int], wrong_baseline: list[list[int]], wrong_student: list[list[int]],
               n_examples: int, resamples: int = BOOTSTRAP_RESAMPLES) -> dict:
    """
    ### Mean over seeds of the share of the baseline-teacher gap that the student closes, and its 95 % interval
    """
    n_seeds = len(wrong_baseline)
    assert n_seeds == len(wrong_student) and n_seeds > 0

    def indicator(wrong: list[int]) -> np.ndarray:
        row = np.zeros(n_examples)
        row[np.asarray(wrong, dtype=np.int64)] = 1.0
        return row
    teacher = indicator(wrong_teacher)
    baseline = np.stack([indicator(wrong) for wrong in wrong_baseline])
    student = np.stack([indicator(wrong) for wrong in wrong_student])
    per_seed = [(b.sum() - s.sum()) / (b.sum() - teacher.sum()) for b, s in zip(baseline, student)]
    estimates = []
    for seeds, examples in resampled(n_seeds, n_examples, resamples):
        # Errors of each model on each resample of the digits: (size, seeds) and (size,)
        b, s, t = examples @ baseline.T, examples @ student.T, examples @ teacher
        with np.errstate(divide='ignore', invalid='ignore'):
            # A resample where a baseline ties the teacher has no gap: its share is not a number
            # and the resample is dropped below
            share = (b - s) / (b - t[:, None])
            estimates.append((share * seeds).sum(1) / n_seeds)
    estimates = np.concatenate(estimates)
    low, high = np.quantile(estimates[np.isfinite(estimates)], [0.025, 0.975])
    return {'mean': float(np.mean(per_seed)), 'low': float(low), 'high': float(high),
            'per_seed': [float(share) for share in per_seed]}
