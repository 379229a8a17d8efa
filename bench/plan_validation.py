"""The planner against queueing theory and the seeds' figures: tables and a plot.

    python bench/plan_validation.py [--seeds 3] [--png docs/planner-validation.png]

1. Erlang C: 30-day steady runs of M/M/c (27 s a swab) at loads 0.75 to 0.9;
   the simulated mean wait over several seeds against the formula.
2. Pollaczek-Khinchine: one station with fixed and with measured (resampled)
   swab times, where the formula depends on the spread, not only the mean.
3. The seeds' morning: 4,800 residents from 06:30 to 12:30 at 27 s a swab; the
   least stations for nine in ten under 30 minutes, against the guideline of
   one station per 600-800 residents, and what one station fewer does.

Prints the tables as Markdown (docs/planner.md quotes them) and draws the PNG
with Pillow (matplotlib is not a dependency): mean wait against load, theory
as lines and the simulation as points; and the morning's p90 wait per quarter
hour for 5, 6 and 7 stations against the 30-minute target.
"""

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from natqueue.planner import (  # noqa: E402
    erlang_c_mean_wait,
    plan_from,
    simulate,
    staff_for,
    stations_needed,
)

SWAB_S = 27.0
CASES = [(c, load) for c in (1, 2, 4, 8) for load in (0.75, 0.8, 0.85, 0.9)]
MORNING = [{"from": "06:30", "to": "12:30", "per_hour": 800}]
TARGET_S = 1800


def steady(c: int, load: float, seed: int, **extra) -> dict:
    return {"stations": c, "service_s": SWAB_S, "days": 30, "seed": seed,
            "arrivals": [{"from": "00:00", "to": "24:00", "per_hour": load * c * 3600 / SWAB_S}], **extra}


def erlang_table(seeds: int) -> list[dict]:
    rows = []
    for c, load in CASES:
        theory = erlang_c_mean_wait(load * c / SWAB_S, 1 / SWAB_S, c)
        means = [simulate(plan_from(steady(c, load, seed)))["wait"]["mean_s"] for seed in range(seeds)]
        sim = sum(means) / len(means)
        rows.append({"c": c, "load": load, "theory": theory, "sim": sim, "low": min(means), "high": max(means),
                     "error": sim / theory - 1})
    return rows


def pk_table(seeds: int) -> list[dict]:
    rows, lam = [], 0.8 / SWAB_S
    for name, extra, second in (("exponential", {}, 2 * SWAB_S**2),
                                ("fixed", {"service_dist": "deterministic"}, SWAB_S**2),
                                ("measured 10 s / 44 s", {"service_samples": [10.0, 44.0]}, (100 + 1936) / 2)):
        theory = lam * second / (2 * (1 - 0.8))
        means = [simulate(plan_from(steady(1, 0.8, seed, **extra)))["wait"]["mean_s"] for seed in range(seeds)]
        sim = sum(means) / len(means)
        rows.append({"service": name, "theory": theory, "sim": sim, "error": sim / theory - 1})
    return rows


def morning(stations: int, seed: int) -> dict:
    return {"stations": stations, "service_s": SWAB_S, "seed": seed, "arrivals": MORNING}


def morning_table(seeds: int) -> dict:
    needed = [stations_needed(plan_from(morning(1, seed)), TARGET_S) for seed in range(seeds)]
    found = {}
    for c in (5, 6, 7):
        p90s = [simulate(plan_from(morning(c, seed)))["wait"]["p90_s"] for seed in range(seeds)]
        found[c] = p90s
    curves = {c: simulate(plan_from(morning(c, 0)))["buckets"] for c in (5, 6, 7)}
    return {"needed": needed, "p90": found, "curves": curves}


# --- the plot -----------------------------------------------------------------------------

W, H, PAD = 1400, 560, 70
COLOURS = {1: (185, 28, 28), 2: (180, 83, 9), 4: (21, 128, 61), 8: (29, 78, 216),
           5: (185, 28, 28), 6: (21, 128, 61), 7: (29, 78, 216)}


def _font(size: int):
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


class Panel:
    """One chart: a box, axes with ticks, and a mapping from data to pixels."""

    def __init__(self, draw, box, x_range, y_range, title, x_label, y_label):
        self.draw, self.box, self.xr, self.yr = draw, box, x_range, y_range
        left, top, right, bottom = box
        font, small = _font(18), _font(14)
        draw.text((left, top - 45), title, fill="black", font=font)
        draw.rectangle(box, outline=(120, 120, 120))
        draw.text(((left + right) // 2 - 60, bottom + 30), x_label, fill="black", font=small)
        draw.text((left - 60, top - 22), y_label, fill="black", font=small)
        self.small = small

    def at(self, x, y):
        left, top, right, bottom = self.box
        fx = (x - self.xr[0]) / (self.xr[1] - self.xr[0])
        fy = (y - self.yr[0]) / (self.yr[1] - self.yr[0])
        return left + fx * (right - left), bottom - min(max(fy, -0.02), 1.02) * (bottom - top)

    def ticks(self, xs, ys, x_text=str, y_text=str):
        left, top, right, bottom = self.box
        for x in xs:
            px, _ = self.at(x, self.yr[0])
            self.draw.line([(px, bottom), (px, bottom + 5)], fill="black")
            self.draw.text((px - 14, bottom + 8), x_text(x), fill="black", font=self.small)
        for y in ys:
            _, py = self.at(self.xr[0], y)
            self.draw.line([(left, py), (right, py)], fill=(230, 230, 230))
            self.draw.text((left - 45, py - 8), y_text(y), fill="black", font=self.small)

    def line(self, points, colour, width=2):
        self.draw.line([self.at(x, y) for x, y in points], fill=colour, width=width)

    def dot(self, x, y, colour):
        px, py = self.at(x, y)
        self.draw.ellipse([px - 5, py - 5, px + 5, py + 5], fill=colour, outline="black")

    def legend(self, items):
        left, top, _, _ = self.box
        for i, (text, colour) in enumerate(items):
            y = top + 12 + i * 22
            self.draw.line([(left + 12, y + 8), (left + 40, y + 8)], fill=colour, width=3)
            self.draw.text((left + 48, y), text, fill="black", font=self.small)


def draw_png(path: str, erlang: list[dict], day: dict) -> None:
    image = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(image)
    top, bottom = PAD + 30, H - PAD
    left_panel = Panel(draw, (PAD + 20, top, W // 2 - 40, bottom), (0.72, 0.92), (0, 260),
                       "Mean wait, 30-day M/M/c runs: Erlang C (lines) vs simulation (dots)",
                       "load (share of the stations' capacity)", "mean wait (s)")
    left_panel.ticks([0.75, 0.8, 0.85, 0.9], range(0, 261, 50), lambda x: f"{x:.2f}")
    for c in (1, 2, 4, 8):
        curve = [(x / 100, erlang_c_mean_wait(x / 100 * c / SWAB_S, 1 / SWAB_S, c)) for x in range(72, 93)]
        left_panel.line(curve, COLOURS[c])
        for row in erlang:
            if row["c"] == c:
                left_panel.dot(row["load"], row["sim"], COLOURS[c])
    left_panel.legend([(f"{c} station{'s' if c > 1 else ''}", COLOURS[c]) for c in (1, 2, 4, 8)])

    right = Panel(draw, (W // 2 + 60, top, W - PAD + 20, bottom), (6.5, 13), (0, 60),
                  "The seeds' morning: 4,800 residents 06:30-12:30, 27 s a swab",
                  "time of day (arrivals by quarter hour)", "p90 wait (min)")
    right.ticks(range(7, 14), range(0, 61, 10), lambda x: f"{x:02d}:00")
    _, target_y = right.at(6.5, 30)
    for x in range(int(right.box[0]), int(right.box[2]), 14):
        draw.line([(x, target_y), (x + 7, target_y)], fill=(80, 80, 80), width=2)
    draw.text((right.box[2] - 150, target_y - 20), "30-minute target", fill=(80, 80, 80), font=right.small)
    for c in (5, 6, 7):
        points = []
        for b in day["curves"][c]:
            if b["p90_wait_s"] is not None:
                h, m = (int(v) for v in b["from"].split(":"))
                points.append((h + m / 60 + 1 / 8, b["p90_wait_s"] / 60))
        right.line(points, COLOURS[c], width=3)
    right.legend([(f"{c} stations ({round(4800 / c)} residents each)", COLOURS[c]) for c in (5, 6, 7)])
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    image.save(path, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per case (each a 30-day run)")
    parser.add_argument("--png", default=os.path.join("docs", "planner-validation.png"))
    args = parser.parse_args()
    started = time.perf_counter()

    erlang = erlang_table(args.seeds)
    print(f"Erlang C, 30-day runs, mean of {args.seeds} seeds (27 s a swab)\n")
    print("| stations | load | Erlang C mean wait (s) | simulated (s) | seeds' range (s) | error |")
    print("|---|---|---|---|---|---|")
    for r in erlang:
        print(f"| {r['c']} | {r['load']:.2f} | {r['theory']:.1f} | {r['sim']:.1f} | "
              f"{r['low']:.1f}-{r['high']:.1f} | {r['error']:+.1%} |")

    print(f"\nOne station at load 0.8: Pollaczek-Khinchine, mean of {args.seeds} seeds\n")
    print("| swab times | formula (s) | simulated (s) | error |")
    print("|---|---|---|---|")
    for r in pk_table(args.seeds):
        print(f"| {r['service']} | {r['theory']:.1f} | {r['sim']:.1f} | {r['error']:+.1%} |")

    day = morning_table(5)
    print("\nThe seeds' morning: 4,800 residents 06:30-12:30 at 27 s a swab, target p90 <= 30 min\n")
    print(f"Least stations found on seeds 0-4: {day['needed']} "
          f"(guideline: {math.ceil(4800 / 800)}-{math.ceil(4800 / 600)} stations)\n")
    print("| stations | residents a station | p90 wait on seeds 0-4 (min) | staff (1+2+4) |")
    print("|---|---|---|---|")
    for c, p90s in day["p90"].items():
        print(f"| {c} | {round(4800 / c)} | {', '.join(str(round(p / 60)) for p in p90s)} | {staff_for(c)['total']} |")

    draw_png(args.png, erlang, day)
    print(f"\nwrote {args.png} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
