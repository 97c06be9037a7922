"""Support of the chapter on learning-rate schedules: check_schedule, make_schedule, schedule_explorer."""

import numpy as np
import pytest

import optlib
from optlib import schedules, widgets
from optlib.checks import SCHEDULE_CHECKS, CheckFailed, _schedule_variants, check_schedule


def warmup_cosine(count, lr, warmup_steps, total_steps, start_factor, eta_min):
    if count < warmup_steps:
        return lr * (start_factor + (1 - start_factor) * count / warmup_steps)
    k, T = count - warmup_steps, total_steps - warmup_steps
    return eta_min + 0.5 * (lr - eta_min) * (1 + np.cos(np.pi * k / T))


@pytest.mark.parametrize("reference", sorted(SCHEDULE_CHECKS))
def test_the_reference_passes(reference):
    reference_fn = lambda count, **p: getattr(schedules, reference)(**p)(count)
    assert "✓" in repr(check_schedule(reference_fn, reference))


def test_a_hand_written_warmup_cosine_passes_with_other_settings():
    assert "50 steps agree" in repr(check_schedule(warmup_cosine))
    check_schedule(warmup_cosine, lr=0.5, warmup_steps=3, total_steps=50, start_factor=0.5, eta_min=0.0)


HINTS = {  # variant -> words of its hint
    "ahead": "one step ahead", "behind": "one step behind", "ramp from zero": "starts at 0",
    "ramp too short": "one step early", "ends at zero": "ends at 0 instead of eta_min",
    "cosine over total": "total_steps - warmup_steps", "cosine not shifted": "count - warmup_steps",
    "every step": "at every step", "not floored": "round it down", "not held": "does not stop",
}


@pytest.mark.parametrize("reference", sorted(SCHEDULE_CHECKS))
def test_each_typical_mistake_is_rejected_with_its_hint(reference):
    p = SCHEDULE_CHECKS[reference][0]
    for mistake, (variant, _) in _schedule_variants(reference, p).items():
        with pytest.raises(CheckFailed) as failure:
            check_schedule(lambda count, **kw: variant(count), reference)
        message = str(failure.value)
        for part in ("step", "coordinate", "expected", "got", "Hint:"):
            assert part in message
        assert HINTS[mistake] in message, (mistake, message)


def test_the_first_differing_step_is_named():
    wrong = lambda count, **p: warmup_cosine(count, **p) * (1.5 if count == 17 else 1.0)
    with pytest.raises(CheckFailed, match=r"step 18 of 50 \(count = 17\)"):
        check_schedule(wrong)


def test_no_return_and_arrays_are_reported():
    with pytest.raises(CheckFailed, match="step 1 of 50.*not a number"):
        check_schedule(lambda count, **p: None)
    with pytest.raises(CheckFailed, match="shape"):
        check_schedule(lambda count, **p: np.ones(2))
    with pytest.raises(CheckFailed, match="step 1 .*raised ZeroDivisionError"):
        check_schedule(lambda count, **p: 1 / 0)
    with pytest.raises(ValueError, match="reference must be one of"):
        check_schedule(warmup_cosine, "polynomial")


@pytest.mark.parametrize("kind", widgets.SCHEDULE_KINDS)
def test_make_schedule_peaks_at_lr_and_ends_near_final(kind):
    steps, lr, final = 100, 0.2, 0.01
    schedule = widgets.make_schedule(kind, lr, steps, warmup=10, final=final)
    rates = np.array([schedule(k) for k in range(steps)])
    assert rates.max() == pytest.approx(lr, rel=1e-9)
    if kind == "constant":
        assert np.all(rates == lr)
    else:
        assert rates[-1] == pytest.approx(final * lr, rel=0.05) or rates[-1] < 2 * final * lr
        assert rates[-1] >= final * lr * (1 - 1e-9) or kind in ("cosine", "warm-up then cosine")


def test_make_schedule_sweeps_arrays_and_refuses_unknown_kinds():
    lrs = np.array([[0.1], [0.2]])
    schedule = widgets.make_schedule("warm-up then cosine", lrs, 50, warmup=5)
    np.testing.assert_allclose(schedule(5), lrs)
    with pytest.raises(ValueError, match="kind must be one of"):
        widgets.make_schedule("linear", 0.1, 50)


def test_schedule_explorer_draws_the_schedule_and_the_run_it_names():
    ex = widgets.schedule_explorer(steps=40)
    assert ex.image.value[:4] == b"\x89PNG"
    before = ex.image.value
    ex.kind.value = "step"
    ex.lr.value = 0.5
    assert ex.image.value != before
    schedule = widgets.make_schedule("step", 0.5, 40, warmup=ex.warmup.value, final=ex.final.value)
    np.testing.assert_allclose(ex.lr_line.get_ydata(), [schedule(k) / 0.5 for k in range(40)])
    assert ex.titles[0].get_text() == "step, peak 0.5"
    expected = optlib.run(optlib.sgd(lr=schedule), ex.objective, np.zeros(ex.objective.dim), 40,
                          batch_size=8, seed=0)
    np.testing.assert_allclose(ex.loss_line.get_ydata(), expected.values - ex.min_value)
    assert "step schedule peaking at 0.5" in ex.description.value


def test_schedule_explorer_reports_divergence_in_words():
    ex = widgets.schedule_explorer(optlib.problems.diabetes_regression(), steps=200, kind="constant",
                                   lr=3.0, batch_size=None)
    assert "diverged at step" in ex.description.value
