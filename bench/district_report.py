"""The district replay's figures: what bench/district.py's runs measured, reduced and printed."""

import statistics

from common import percentile


def _pct(values: list[float], p: float) -> float | None:
    return percentile(values, p) if values else None


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:,.0f} ms"


def checks(shards: list[dict]) -> list[str]:
    """What the replay got wrong: every resident called exactly once, every phone heard its call."""
    failed = []
    for i, r in enumerate(shards):
        if r["join_failed_n"]:
            failed.append(f"shard {i}: {r['join_failed_n']} joins failed, e.g. {r['join_failed'][:3]}")
        if r["never_called_n"]:
            failed.append(f"shard {i}: {r['never_called_n']} residents never called, e.g. {r['never_called'][:3]}")
        if r["called_twice"]:
            failed.append(f"shard {i}: residents called twice: {r['called_twice'][:5]}")
        if r["called_unknown"]:
            failed.append(f"shard {i}: calls of tickets nobody joined: {r['called_unknown'][:5]}")
        if r["phone_failed_n"]:
            failed.append(f"shard {i}: {r['phone_failed_n']} phones could not watch, e.g. {r['phone_failed'][:2]}")
        if r["phones_unheard_n"]:
            failed.append(f"shard {i}: {r['phones_unheard_n']} phones never heard their call, "
                          f"e.g. {r['phones_unheard'][:3]}")
    return failed


def figures(run: dict) -> dict:
    """One run (``district.run_once``) -> its figures."""
    shards, samples, t0 = run["shards"], run["samples"], run["t0"]
    done = sorted(d for r in shards for d in (x[0] for x in r["join_done"]))
    join_latency = [x[1] for r in shards for x in r["join_done"]]
    joined = sum(r["joined"] for r in shards)
    peak = 0
    j = 0
    for i in range(len(done)):  # the most joins answered in any 10 s
        while done[i] - done[j] > 10:
            j += 1
        peak = max(peak, i - j + 1)
    latencies = [x for r in shards for x in r["latencies"]]
    sent = {k: v for r in shards for k, v in r["number_sent"].items()}
    server_side = [at - sent[k] for k, at in run["probe"].get("seen", {}).items() if k in sent]
    lags = [x for r in shards for x in r["dashboard_lags"]]
    first = next(s for s in samples if s["t"] >= t0) if any(s["t"] >= t0 for s in samples) else samples[0]
    last = samples[-1]
    span = max(1e-9, last["t"] - first["t"])
    base = run["baseline"]
    peak_phones = max(samples, key=lambda s: s["phones"])
    rss_growth = sum(peak_phones["rss_kb"]) - sum(base["rss_kb"])
    return {
        "processes": run["processes"], "checks": checks(shards),
        "residents": sum(r["residents"] for r in shards), "joined": joined,
        "joins_per_s": joined / done[-1] if done else 0.0, "joins_per_s_peak10": peak / 10,
        "join_p50": _pct(join_latency, 50), "join_p99": _pct(join_latency, 99),
        "calls": sum(r["calls"] for r in shards), "samples": sum(r["samples"] for r in shards),
        "replay_s": run["end"] - t0, "nominal_s": run["nominal_s"],
        "phones": sum(r["phones"] for r in shards), "phones_peak": peak_phones["phones"],
        "heard_live": sum(r["heard_live"] for r in shards), "heard_snapshot": sum(r["heard_snapshot"] for r in shards),
        "call_p50": _pct(latencies, 50), "call_p99": _pct(latencies, 99),
        "call_max": max(latencies) if latencies else None,
        "server_p50": _pct(server_side, 50), "server_p99": _pct(server_side, 99),
        "server_max": max(server_side) if server_side else None, "server_n": len(server_side),
        "dash_p50": _pct(lags, 50), "dash_p99": _pct(lags, 99), "dash_max": max(lags) if lags else None,
        "redis_ops_s": (last["redis_commands"] - first["redis_commands"]) / span,
        "redis_ops_peak": max(s["redis_ops"] for s in samples),
        "redis_cores": (last["redis_cpu"] - first["redis_cpu"]) / span,
        "redis_mem_mib": last["redis_mem"] / 2**20, "redis_mem_peak_mib": max(s["redis_mem"] for s in samples) / 2**20,
        "app_cores": [(b - a) / span for a, b in zip(first["app_cpu"], last["app_cpu"], strict=True)],
        "app_rss_mib_before": [x / 1024 for x in base["rss_kb"]],
        "app_rss_mib_peak": [max(s["rss_kb"][i] for s in samples) / 1024 for i in range(len(base["rss_kb"]))],
        "kb_per_phone": rss_growth / peak_phones["phones"] if peak_phones["phones"] else None,
        "load_cores": (last["load_cpu"] - first["load_cpu"]) / span,
        "others_cores": max(0.0, (last["machine"] - first["machine"]) / span
                            - (last["load_cpu"] - first["load_cpu"]) / span
                            - sum((b - a) / span for a, b in zip(first["app_cpu"], last["app_cpu"], strict=True))
                            - (last["redis_cpu"] - first["redis_cpu"]) / span),
        "http_retries": sum(r["http_retries"] for r in shards),
        "errors_n": sum(r["errors_n"] for r in shards), "errors": [e for r in shards for e in r["errors"]][:5],
        "uptime": run["uptime"],
    }


def print_run(f: dict) -> None:
    p = f["processes"]
    print(f"\n== {p} app process{'es' if p > 1 else ''} ==  ({f['uptime']})")
    print(f"residents {f['residents']:,}: joined {f['joined']:,}; calls {f['calls']:,}, samples {f['samples']:,}; "
          f"replay {f['replay_s']:.0f} s (arrivals over {f['nominal_s']:.0f} s)")
    print(f"joins/s: {f['joins_per_s']:.1f} over the arrivals, {f['joins_per_s_peak10']:.1f} in the busiest 10 s; "
          f"join answered p50 {_ms(f['join_p50'])}, p99 {_ms(f['join_p99'])}")
    print(f"phones: {f['phones']:,} ({f['phones_peak']:,} connected at most); heard their call live "
          f"{f['heard_live']:,}, already called when they watched {f['heard_snapshot']:,}")
    print(f"call-to-phone: p50 {_ms(f['call_p50'])}, p99 {_ms(f['call_p99'])}, slowest phone {_ms(f['call_max'])}; "
          f"server side (probes decoding at once, {f['server_n']:,} calls): p50 {_ms(f['server_p50'])}, "
          f"p99 {_ms(f['server_p99'])}, max {_ms(f['server_max'])}")
    print(f"dashboard lag (sample -> figures that count it): p50 {_ms(f['dash_p50'])}, p99 {_ms(f['dash_p99'])}, "
          f"max {_ms(f['dash_max'])}")
    print(f"redis: {f['redis_ops_s']:,.0f} ops/s (peak {f['redis_ops_peak']:,}), {f['redis_cores']:.2f} cores, "
          f"memory {f['redis_mem_mib']:.0f} MiB (peak {f['redis_mem_peak_mib']:.0f} MiB)")
    for i, cores in enumerate(f["app_cores"]):
        print(f"app process {i + 1}: {cores:.2f} cores; RSS {f['app_rss_mib_before'][i]:.0f} -> "
              f"{f['app_rss_mib_peak'][i]:.0f} MiB (peak)")
    kb = f["kb_per_phone"]
    print(f"memory per phone: {'-' if kb is None else f'{kb:.0f} KB'} (app RSS growth / phones connected)")
    print(f"load generator: {f['load_cores']:.2f} cores; other processes on the machine {f['others_cores']:.2f} "
          f"cores; HTTP retries {f['http_retries']}, errors {f['errors_n']} {f['errors'][:2] or ''}")


ROWS = [("joins/s (arrivals)", "joins_per_s", "{:.1f}"), ("joins/s (busiest 10 s)", "joins_per_s_peak10", "{:.1f}"),
        ("call-to-phone p50 (s)", "call_p50", "{:.3f}"), ("call-to-phone p99 (s)", "call_p99", "{:.3f}"),
        ("slowest phone (s)", "call_max", "{:.3f}"), ("server side p99 (s)", "server_p99", "{:.3f}"),
        ("dashboard lag p50 (s)", "dash_p50", "{:.3f}"), ("dashboard lag p99 (s)", "dash_p99", "{:.3f}"),
        ("redis ops/s", "redis_ops_s", "{:,.0f}"), ("redis cores", "redis_cores", "{:.2f}"),
        ("redis memory (MiB)", "redis_mem_peak_mib", "{:.0f}"), ("app cores (sum)", "app_cores_sum", "{:.2f}"),
        ("memory per phone (KB)", "kb_per_phone", "{:.0f}"), ("load generator cores", "load_cores", "{:.2f}"),
        ("replay (s)", "replay_s", "{:.0f}")]


def print_comparison(runs: list[dict]) -> None:
    """A markdown table: the median of each figure per process count, and its ratio to one process."""
    for f in runs:
        f["app_cores_sum"] = sum(f["app_cores"])
    counts = sorted({f["processes"] for f in runs})
    if len(counts) < 2:
        return

    def median(p, key):
        values = [f[key] for f in runs if f["processes"] == p and f[key] is not None]
        return statistics.median(values) if values else None
    one = counts[0]
    print("\n| figure | " + " | ".join(f"{p} process{'es' if p > 1 else ''}" for p in counts)
          + " | " + " | ".join(f"{p}/{one}" for p in counts[1:]) + " |")
    print("|---|" + "---:|" * (2 * len(counts) - 1))
    for label, key, fmt in ROWS:
        values = [median(p, key) for p in counts]
        cells = ["-" if v is None else fmt.format(v) for v in values]
        ratios = ["-" if v is None or not values[0] else f"{v / values[0]:.2f}" for v in values[1:]]
        print(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
