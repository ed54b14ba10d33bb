"""Temperature and gradients: (q - p)/T, the 1/T^2 fall, the T^2 factor, logit matching."""
import functools
import json

import pytest
import torch

from labml_nn_distill.paper import temperature_gradients as page
from labml_nn_distill.engineering.report import page_block

SEEDS = [0, 1, 2, 3]


@functools.cache
def measured(seed):
    return page.measure_seed(seed)


@pytest.mark.parametrize('seed', SEEDS)
@pytest.mark.parametrize('temperature', [0.5, 1.0, 3.0, 8.0, 20.0, 100.0])
def test_autograd_gradient_is_q_minus_p_over_t(seed, temperature):
    student, teacher = page.random_logits(seed, centred=seed % 2 == 0)
    gradient = page.autograd_gradient(student, teacher, temperature, scaled=False)
    expected = page.exact_gradient(student, teacher, temperature)
    torch.testing.assert_close(gradient, expected, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize('seed', SEEDS)
def test_t_squared_factor_multiplies_the_gradient_by_t_squared(seed):
    student, teacher = page.random_logits(seed)
    for temperature in (2.0, 8.0, 32.0):
        scaled = page.autograd_gradient(student, teacher, temperature, scaled=True)
        unscaled = page.autograd_gradient(student, teacher, temperature, scaled=False)
        torch.testing.assert_close(scaled, temperature ** 2 * unscaled, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize('seed', SEEDS)
def test_unscaled_gradient_falls_as_one_over_t_squared(seed):
    result = measured(seed)
    assert result['slope_unscaled'] == pytest.approx(-2.0, abs=0.02)
    rows = {row['temperature']: row for row in result['rows']}
    assert rows[16.0]['norm_unscaled'] / rows[128.0]['norm_unscaled'] == pytest.approx(64, rel=0.03)


@pytest.mark.parametrize('seed', SEEDS)
def test_t_squared_factor_keeps_the_gradient_size_constant(seed):
    result = measured(seed)
    assert result['slope_scaled'] == pytest.approx(0.0, abs=0.02)
    norms = [row['norm_scaled'] for row in result['rows'] if row['temperature'] >= 8]
    assert max(norms) / min(norms) < 1.02


@pytest.mark.parametrize('seed', SEEDS)
def test_high_temperature_gradient_approaches_logit_matching(seed):
    rows = {row['temperature']: row for row in measured(seed)['rows']}
    # The relative error falls as 1/T: halving it when T doubles, and small at T = 128
    assert rows[128.0]['matching_error_centred'] < 0.03
    assert rows[64.0]['matching_error_centred'] / rows[128.0]['matching_error_centred'] == pytest.approx(2, rel=0.05)


def test_logit_matching_limit_is_exact_gradient_of_squared_error():
    student, teacher = page.random_logits(0)
    temperature = 50.0
    logits = student.clone().requires_grad_(True)
    squared = ((logits - teacher) ** 2).sum() / (2 * student.shape[-1] * temperature ** 2)
    squared.backward()
    torch.testing.assert_close(logits.grad, page.logit_matching_gradient(student, teacher, temperature))


@pytest.mark.parametrize('seed', SEEDS)
def test_logit_matching_needs_zero_mean_logits(seed):
    rows = {row['temperature']: row for row in measured(seed)['rows']}
    assert rows[128.0]['matching_error_shifted'] > 0.5
    # Centring the shifted logits recovers the limit: softmax ignores the offsets
    student, teacher = page.random_logits(seed, centred=False)
    centred = [x - x.mean(-1, keepdim=True) for x in (student, teacher)]
    error = page.relative_error(page.logit_matching_gradient(*centred, 128.0),
                                page.exact_gradient(student, teacher, 128.0))
    assert error < 0.03


def test_page_writes_json_plot_and_its_results_block(tmp_path):
    results = page.main(['--seeds', '0', '1', '--output-dir', str(tmp_path)])
    written = json.loads((tmp_path / 'temperature_gradients.json').read_text())
    assert written['seeds'] == [0, 1] and written['summary'] == json.loads(json.dumps(results['summary']))
    block = page_block((tmp_path / 'results.md').read_text(), 'temperature_gradients')
    assert block == page.results_markdown(written)
    assert (tmp_path / 'images' / 'temperature_gradients.svg').read_text().startswith('<?xml')
