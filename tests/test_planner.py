"""The planner's engine, checked against queueing theory and the seeds' own figures.

Pure: no Redis, no app. Every run is seeded, so each case is one fixed sample
of the simulation; the tolerances say how far a 30-day run may honestly fall
from the formula (about three standard deviations, measured over 12 seeds and
written down in docs/planner.md).
"""

import math

import pytest

from natqueue.planner import (
    MAX_ARRIVALS,
    PlanError,
    erlang_c_mean_wait,
    forecast,
    plan_from,
    plan_round,
    simulate,
    staff_for,
    stations_needed,
)

SWAB_S = 27.0


def steady(stations: int, load: float, days: int = 30, seed: int = 1, **extra) -> dict:
    """Arrivals all day at ``load`` (share of the stations' capacity), 27 s exponential swabs."""
    per_hour = load * stations * 3600 / SWAB_S
    return {"stations": stations, "service_s": SWAB_S, "days": days, "seed": seed,
            "arrivals": [{"from": "00:00", "to": "24:00", "per_hour": per_hour}], **extra}


def morning(stations: int, residents: int = 4800, seed: int = 0) -> dict:
    """The seeds' morning: ``residents`` coming evenly from 06:30 to 12:30, 27 s a swab."""
    return {"stations": stations, "service_s": SWAB_S, "seed": seed,
            "arrivals": [{"from": "06:30", "to": "12:30", "per_hour": residents / 6}]}


# --- against theory --------------------------------------------------------------------


def test_erlang_c_formula_matches_a_case_worked_by_hand():
    # Two stations, one person a minute, one minute each: P(wait) = 1/3, mean wait 1/3 min.
    assert erlang_c_mean_wait(1.0, 1.0, 2) == pytest.approx(1 / 3)
    assert erlang_c_mean_wait(0.5, 1.0, 1) == pytest.approx(1.0)  # M/M/1: rho / (mu - lam)
    assert erlang_c_mean_wait(2.0, 1.0, 2) == math.inf  # at full load the queue never settles


@pytest.mark.parametrize(("stations", "load", "tolerance"), [
    (2, 0.75, 0.10), (3, 0.80, 0.10), (1, 0.90, 0.15), (4, 0.90, 0.15),
])
def test_a_30_day_run_agrees_with_erlang_c(stations, load, tolerance):
    result = simulate(plan_from(steady(stations, load)))
    lam = load * stations / SWAB_S
    expected = erlang_c_mean_wait(lam, 1 / SWAB_S, stations)
    assert result["wait"]["mean_s"] == pytest.approx(expected, rel=tolerance)
    assert result["stable"] is True
    assert result["load"] == pytest.approx(load, rel=1e-6)


def test_fixed_and_measured_swab_times_agree_with_pollaczek_khinchine():
    """One station: mean wait = lam E[S^2] / (2 (1 - rho)), whatever the distribution."""
    lam = 0.8 / SWAB_S
    fixed = simulate(plan_from(steady(1, 0.8, service_dist="deterministic")))
    assert fixed["wait"]["mean_s"] == pytest.approx(lam * SWAB_S**2 / (2 * 0.2), rel=0.10)
    measured = [10.0, 44.0]  # mean 27 s, but far more spread than a fixed swab
    resampled = simulate(plan_from({**steady(1, 0.8), "service_samples": measured}))
    second_moment = sum(s * s for s in measured) / len(measured)
    assert resampled["wait"]["mean_s"] == pytest.approx(lam * second_moment / (2 * 0.2), rel=0.10)
    assert resampled["wait"]["mean_s"] > fixed["wait"]["mean_s"] * 1.3


def test_the_priority_lane_waits_less_and_the_mean_stays_what_theory_says():
    result = simulate(plan_from(steady(2, 0.85, priority_share=0.2, priority_ratio=[1, 2])))
    lanes = result["lanes"]
    assert lanes["priority"]["mean_s"] < lanes["regular"]["mean_s"] / 2
    assert lanes["priority"]["people"] == pytest.approx(0.2 * result["people"], rel=0.05)
    # Calling some people first reorders the queue but does not change the work to do.
    expected = erlang_c_mean_wait(0.85 * 2 / SWAB_S, 1 / SWAB_S, 2)
    assert result["wait"]["mean_s"] == pytest.approx(expected, rel=0.10)


# --- the seeds' figures -------------------------------------------------------------------


def test_a_morning_planned_to_the_recommendation_keeps_nine_in_ten_under_30_minutes():
    """4,800 residents over six hours, 27 s a swab: the planner's answer sits in the
    national guideline (one station per 600-800 residents), holds on other days (seeds),
    and one station fewer does not."""
    needed = stations_needed(plan_from(morning(1)), 1800)
    assert needed == 6
    assert math.ceil(4800 / 800) <= needed <= math.ceil(4800 / 600)
    for seed in range(5):
        planned = simulate(plan_from(morning(needed, seed=seed)))
        fewer = simulate(plan_from(morning(needed - 1, seed=seed)))
        assert planned["wait"]["p90_s"] < 1800, seed
        assert fewer["wait"]["p90_s"] > 1800, seed
    assert staff_for(needed) == {"medic": 6, "cadre": 12, "worker_entry": 12, "worker_order": 12, "total": 42}


def test_the_what_if_round_gives_waits_and_staff_by_hour():
    found = plan_round({"residents": 9600, "points": 2, "stations": 5, "from": "06:30", "to": "12:30"})
    assert found["per_point"] == {"residents": 4800, "per_hour": 800, "stations": 5, "residents_per_station": 960}
    assert found["stations_needed"] == 6
    assert found["guideline_stations"] == [6, 8]
    assert found["wait"]["p90_s"] > 1800
    coming = [row for row in found["by_hour"] if row["arrivals"]]
    first, last = coming[0], coming[-1]
    assert (first["from"], last["from"]) == ("06:00", "12:00")
    assert first["stations"] == 5
    assert first["staff"] == staff_for(5)
    assert last["p90_wait_s"] > first["p90_wait_s"]  # five stations fall further behind each hour
    assert found["staff_needed_all_points"] == staff_for(12)


def test_a_site_standard_changes_the_staff_by_role():
    found = plan_round({"residents": 700, "stations": 1, "from": "08:00", "to": "12:00",
                        "standard": {"medic": 2, "cadre": 1, "worker_entry": 0, "worker_order": 3}})
    assert found["staff_per_point"] == {"medic": 2, "cadre": 1, "worker_entry": 0, "worker_order": 3, "total": 6}


# --- the model's rules, on cases small enough to work out by hand -----------------------


def test_people_already_waiting_are_called_in_turn_by_every_open_station():
    result = simulate(plan_from({"stations": 2, "service_s": 30, "service_dist": "deterministic",
                                 "arrivals": [], "waiting": 60, "start": "09:00"}, allow_no_arrivals=True))
    assert result["wait"] == {"mean_s": 435.0, "p90_s": 780, "max_s": 870.0}  # 0,0,30,30,...,870,870
    assert result["buckets"][0] == {"from": "09:00", "arrivals": 0, "mean_wait_s": 435.0,
                                    "p90_wait_s": 780, "queue": 60}


def test_a_station_opened_by_schedule_starts_calling_at_once():
    plan = {"stations": [{"from": "08:00", "stations": 1}, {"from": "08:05", "stations": 2}],
            "service_s": 60, "service_dist": "deterministic", "arrivals": [], "waiting": 10, "start": "08:00"}
    result = simulate(plan_from(plan, allow_no_arrivals=True))
    # One station until 08:05 calls five (0..240 s), then two call the rest two at a time.
    assert result["wait"]["max_s"] == 420.0
    assert result["wait"]["mean_s"] == 234.0


def test_a_watched_wait_says_when_each_person_reached_it():
    """Ten waiting at 09:00, one station, a minute each: those called after 5 minutes (the 7th
    to the 10th) all reached 5 minutes of waiting at 09:05."""
    plan = {"stations": 1, "service_s": 60, "service_dist": "deterministic", "waiting": 10, "start": "09:00",
            "arrivals": []}
    nine = 9 * 3600
    first = simulate(plan_from(plan, allow_no_arrivals=True), watch_s=300)["buckets"][0]
    assert (first["people"], first["over"]) == (10, [nine + 300] * 4)
    assert "over" not in simulate(plan_from(plan, allow_no_arrivals=True))["buckets"][0]


def test_a_paused_station_finishes_its_person_and_calls_nobody_until_it_reopens():
    plan = {"stations": [{"from": "08:00", "stations": 2}, {"from": "08:02", "stations": 0},
                         {"from": "08:10", "stations": 2}],
            "service_s": 180, "service_dist": "deterministic", "arrivals": [], "waiting": 4, "start": "08:00"}
    result = simulate(plan_from(plan, allow_no_arrivals=True))
    assert result["wait"] == {"mean_s": 300.0, "p90_s": 600, "max_s": 600.0}


def test_the_least_stations_found_by_halving_is_the_least_found_one_by_one():
    for seed, residents in ((1, 1500), (2, 3000), (3, 900)):
        plan = plan_from({**morning(1, residents, seed), "arrivals": [
            {"from": "07:00", "to": "08:00", "per_hour": residents / 2},
            {"from": "08:00", "to": "10:00", "per_hour": residents / 4}]})
        found = stations_needed(plan, 900)
        one_by_one = next(c for c in range(1, 60) if simulate(plan.with_stations(c))["wait"]["p90_s"] <= 900)
        assert found == one_by_one, seed


def test_the_forecast_answers_in_the_contract_shape():
    answer = forecast(plan_from(morning(6)), target_wait_s=1800)
    assert set(answer) >= {"wait", "by_15min", "stations_needed", "stable"}
    assert set(answer["wait"]) == {"mean_s", "p90_s", "max_s"}
    assert answer["by_15min"][0]["from"] == "06:30"
    assert set(answer["by_15min"][0]) == {"from", "arrivals", "mean_wait_s", "p90_wait_s", "queue"}
    assert sum(b["arrivals"] for b in answer["by_15min"]) == pytest.approx(4800, rel=0.05)
    assert answer["stations_needed"] == 6
    assert "stations_needed" not in forecast(plan_from(morning(6)))


def test_the_same_seed_gives_the_same_answer_and_another_seed_another():
    first = simulate(plan_from(morning(6, seed=7)))
    assert simulate(plan_from(morning(6, seed=7))) == first
    assert simulate(plan_from(morning(6, seed=8)))["wait"] != first["wait"]


# --- plans refused --------------------------------------------------------------------------

GOOD = {"stations": 2, "service_s": 27, "arrivals": [{"from": "08:00", "to": "11:00", "per_hour": 200}]}


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"stations": 0}, "stations", "integer_1_to_500"),
    ({"stations": None}, "stations", "required"),
    ({"stations": []}, "stations", "required"),
    ({"stations": [{"from": "08:00", "stations": 0}]}, "stations", "no_station_open"),
    ({"service_s": -27}, "service_s", "seconds_above_0"),
    ({"service_s": 0}, "service_s", "seconds_above_0"),
    ({"service_dist": "normal"}, "service_dist", "one_of_exponential|deterministic"),
    ({"arrivals": []}, "arrivals", "list_of_slots_required"),
    ({"arrivals": [{"from": "09:00", "to": "09:00", "per_hour": 10}]}, "arrivals[0]", "empty_slot"),
    ({"arrivals": [{"from": "11:00", "to": "08:00", "per_hour": 10}]}, "arrivals[0]", "reversed_slot"),
    ({"arrivals": [{"from": "8am", "to": "11:00", "per_hour": 10}]}, "arrivals[0].from", "hh_mm"),
    ({"arrivals": [{"from": "08:00", "to": "11:00", "per_hour": -5}]}, "arrivals[0].per_hour", "not_negative"),
    ({"days": 0}, "days", "integer_1_to_31"),
    ({"days": 32}, "days", "too_large"),
    ({"arrivals": [{"from": "00:00", "to": "24:00", "per_hour": 500_000}]}, "arrivals", "too_large"),
    ({"seed": "x"}, "seed", "integer"),
])
def test_a_bad_plan_is_refused_naming_the_field(change, field, code):
    with pytest.raises(PlanError) as refused:
        plan_from({**GOOD, **change})
    assert refused.value.fields.get(field) == code, refused.value.fields


def test_every_bad_field_is_named_at_once():
    with pytest.raises(PlanError) as refused:
        plan_from({"stations": 0, "service_s": -1, "arrivals": [{"from": "10:00", "to": "09:00", "per_hour": 1}]})
    assert set(refused.value.fields) == {"stations", "service_s", "arrivals[0]"}


def test_the_size_guard_counts_every_day():
    per_day = MAX_ARRIVALS / 31
    plan_from({**GOOD, "days": 31, "arrivals": [{"from": "00:00", "to": "24:00", "per_hour": per_day / 24 * 0.99}]})
    with pytest.raises(PlanError) as refused:
        plan_from({**GOOD, "days": 31, "arrivals": [{"from": "00:00", "to": "24:00", "per_hour": per_day / 24 * 1.01}]})
    assert refused.value.fields == {"arrivals": "too_large"}
