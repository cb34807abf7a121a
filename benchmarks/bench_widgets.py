"""Latency of every registered explorer: from a value set to a new PNG, per control.

For each explorer of ``cnnlib.widgets.EXPLORERS`` that exists and can be built without
arguments, each slider (and each dropdown / toggle) is set ~20 times, cycling through its
range; the median time of ``explorer.set(...)`` (compute + draw + PNG, synchronous) is
printed against the 100 ms target. Run:  MPLBACKEND=Agg python benchmarks/bench_widgets.py
The machine's load shows in the numbers: compare runs side by side.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402

from cnnlib.widgets import EXPLORERS  # noqa: E402
from cnnlib.widgets.base import NumberCell, parse_number  # noqa: E402

TARGET_MS = 100.0


def build(name):
    module_name = f"cnnlib.widgets.{EXPLORERS[name]}"
    try:
        module = importlib.import_module(module_name)
        return getattr(module, name)(), ""
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None, "module not written yet"
        raise
    except (AttributeError, TypeError) as exc:
        return None, f"cannot build without arguments ({exc})"


def cycle_values(control, n):
    """n values to set one after another, each different from the one before."""
    if isinstance(control, widgets.IntSlider):
        vals = list(range(control.min, control.max + 1, control.step or 1))
    elif isinstance(control, widgets.FloatSlider):
        vals = [float(v) for v in np.linspace(control.min, control.max, 11)]
    elif hasattr(control, "_options_values"):
        vals = list(control._options_values)
    elif isinstance(control, widgets.Checkbox | widgets.ToggleButton):
        vals = [not control.value, control.value]
    elif isinstance(control, NumberCell):  # a number typed as text
        v = parse_number(control.value)
        vals = [f"{x:g}" for x in (v, v + 1.0, v - 0.5, v + 2.0)]
    else:
        return []
    if len(vals) < 2:
        return []
    # there and back again (0 1 2 .. max .. 2 1 0 1 ..): consecutive values always differ
    # and the first differs from the current value
    bounce = vals[1:] + vals[::-1][1:]
    if control.value in vals and control.value != vals[0]:
        i = vals.index(control.value)
        bounce = vals[i + 1:] + vals[::-1][1:] + vals[1:i + 1]
    out = []
    while len(out) < n:
        out.extend(bounce)
    return out[:n]


def bench(explorer, name, n):
    rows = []
    defaults = explorer.values
    seen_text = False
    for cname, control in explorer.controls.items():
        if control.disabled:
            continue
        if isinstance(control, NumberCell):
            if seen_text:  # one editable cell stands for all of a grid
                continue
            seen_text = True
        values = cycle_values(control, n)
        if not values:
            continue
        times = []
        for v in values:
            t0 = time.perf_counter()
            explorer.set(**{cname: v})
            times.append((time.perf_counter() - t0) * 1000)
        explorer.set(**defaults)
        rows.append((name, cname, type(control).__name__, len(times),
                     statistics.median(times), max(times)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="changes per control (default 20)")
    parser.add_argument("names", nargs="*", help="explorers to time (default: all)")
    args = parser.parse_args(argv)
    print(f"load average: {os.getloadavg()[0]:.2f}   target: median <= {TARGET_MS:.0f} ms\n")
    print(f"{'explorer':<22}{'control':<16}{'kind':<16}{'n':>4}{'median ms':>11}"
          f"{'max ms':>9}  ok")
    medians = {}
    for name in args.names or list(EXPLORERS):
        explorer, why = build(name)
        if explorer is None:
            print(f"{name:<22}-- skipped: {why}")
            continue
        rows = bench(explorer, name, args.n)
        for _, cname, kind, count, med, mx in rows:
            flag = "yes" if med <= TARGET_MS else "NO"
            print(f"{name:<22}{cname:<16}{kind:<16}{count:>4}{med:>11.1f}{mx:>9.1f}  {flag}")
        medians[name] = statistics.median([r[4] for r in rows]) if rows else float("nan")
    print("\nper explorer (median over its controls):")
    for name, med in medians.items():
        print(f"  {name:<22}{med:7.1f} ms  {'ok' if med <= TARGET_MS else 'over target'}")


if __name__ == "__main__":
    main()
