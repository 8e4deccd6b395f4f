"""Decoding pages of customers: the SDK's full decode against untyped JSON parsing, A/B.

`python -m benchmarks.decode [--pages N] [--rounds R] [--profile]`

The page is tests/spec/examples/list-customers.200.json grown to 100 customers with varied ids
(~1.5 KB each). Rows, in µs per customer (median of the rounds, sides alternated A B A B ...):

- `json.loads`: what a raw httpx loop pays for `response.json()`; the reference of the ratio.
- `orjson.loads`: the parser the SDK's general path uses.
- SDK full decode: `_convert.decode(bytes, CustomersPage)`, bytes to models (the fast path),
  then its two msgspec passes timed alone (where the time goes).
- SDK general path: every customer carries a field this SDK does not know, so each page takes
  orjson + the generated structuring functions (what `extra` costs).
- cattrs, as before: the previous decoder (json.loads + a cattrs converter without detailed
  validation), rebuilt here for comparison.

Then the import time of `_models` and `_convert` (`-X importtime`, fresh interpreters), the cost
of the first decode (decoders are built on first use), and with `--profile` a cProfile summary.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import gc
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from voucherify_async._convert import _census_struct, decode, loads, structure
from voucherify_async._models import CustomersPage

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "spec" / "examples" / "list-customers.200.json"
PAGE = 100


def make_pages(count: int, *, unknown_field: bool = False) -> list[bytes]:
    """`count` distinct pages of PAGE customers, as the bytes a server sends."""
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    pages = []
    for number in range(count):
        customers = []
        for index in range(PAGE):
            customer = copy.deepcopy(example["customers"][index % len(example["customers"])])
            customer["id"] = f"cust_{number:06d}{index:018d}"
            customer["source_id"] = f"source_{number}_{index}"
            if unknown_field:
                customer["tier"] = {"level": index % 5}
            customers.append(customer)
        body = {**example, "customers": customers, "total": count * PAGE, "has_more": True}
        pages.append(json.dumps(body).encode())
    return pages


def census_pass() -> Callable[[bytes], Any]:
    """The fast path's first msgspec pass alone: mirror structs, unknown keys forbidden."""
    import msgspec

    return msgspec.json.Decoder(_census_struct(CustomersPage, {})).decode


def model_pass() -> Callable[[bytes], Any]:
    """The fast path's second msgspec pass alone: straight into the attrs models."""
    import msgspec

    return msgspec.json.Decoder(CustomersPage).decode


def cattrs_decoder() -> Callable[[bytes], Any]:
    """The decoder this SDK used before: json.loads, then cattrs without detailed validation."""
    import attrs
    from cattrs.gen import make_dict_structure_fn, override
    from cattrs.preconf.json import make_converter

    converter = make_converter(detailed_validation=False, forbid_extra_keys=False)

    def factory(cls: type) -> Any:
        attrs.resolve_types(cls)
        return make_dict_structure_fn(cls, converter, extra=override(omit=True))

    converter.register_structure_hook_factory(attrs.has, factory)
    from datetime import datetime

    converter.register_structure_hook(datetime, lambda v, _: datetime.fromisoformat(v))
    return lambda body: converter.structure(json.loads(body), CustomersPage)


def time_side(run: Callable[[bytes], Any], pages: list[bytes]) -> float:
    """µs per customer for one pass over the pages."""
    gc.collect()
    started = time.perf_counter()
    for page in pages:
        run(page)
    return (time.perf_counter() - started) / (len(pages) * PAGE) * 1e6


def measure(
    sides: dict[str, tuple[Callable[[bytes], Any], list[bytes]]], rounds: int
) -> dict[str, float]:
    """Median µs/customer of each side, the sides alternated within each round."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    for run, pages in sides.values():
        time_side(run, pages[:2])  # warm up: builds the decoders
    for _ in range(rounds):
        for name, (run, pages) in sides.items():
            times[name].append(time_side(run, pages))
    return {name: statistics.median(values) for name, values in times.items()}


def import_ms(module: str, runs: int = 7) -> dict[str, float]:
    """Median ms per `-X importtime` line (cumulative) for `import module`, fresh interpreters.

    With bytecode caching on, as a user's installed package has it (pip compiles site-packages):
    under PYTHONDONTWRITEBYTECODE=1 an editable checkout compiles every module on each import,
    while httpx, installed, loads its .pyc files. The first run writes the cache.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    samples: dict[str, list[float]] = {}
    for run in range(runs + 1):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=env,
        )
        for line in done.stderr.splitlines() if run else ():
            parts = [part.strip() for part in line.split("|")]
            if line.startswith("import time:") and len(parts) == 3 and parts[1].isdigit():
                samples.setdefault(parts[2], []).append(int(parts[1]) / 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


FIRST_DECODE = """
import time
from pathlib import Path
from voucherify_async._convert import decode
from voucherify_async._models import CustomersPage
body = Path({path!r}).read_bytes()
started = time.perf_counter()
decode(body, CustomersPage)
print((time.perf_counter() - started) * 1000)
"""


def first_decode_ms(runs: int = 5) -> float:
    """ms of the first `decode` of a page in a fresh interpreter (decoders built on first use)."""
    values = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", FIRST_DECODE.format(path=str(EXAMPLE))],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        values.append(float(done.stdout))
    return statistics.median(values)


def profile(run: Callable[[bytes], Any], pages: list[bytes], title: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(5):
        for page in pages:
            run(page)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(8)
    print(f"\n--- cProfile, {title} (5 passes over {len(pages)} pages, by own time) ---")
    print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    pages = make_pages(args.pages)
    unknown = make_pages(args.pages, unknown_field=True)
    results = measure(
        {
            "json.loads": (json.loads, pages),
            "orjson.loads": (orjson.loads, pages),
            "SDK full decode": (lambda body: decode(body, CustomersPage), pages),
            "  its census pass": (census_pass(), pages),
            "  its model pass": (model_pass(), pages),
            "SDK general path": (lambda body: decode(body, CustomersPage), unknown),
            "cattrs, as before": (cattrs_decoder(), pages),
        },
        args.rounds,
    )
    reference = results["json.loads"]
    print(f"Decoding {args.pages} pages of {PAGE} customers, median of {args.rounds} rounds")
    print(f"{'':22s} {'µs/customer':>12s} {'/ json.loads':>13s}")
    for name, value in results.items():
        print(f"{name:22s} {value:12.2f} {value / reference:12.2f}x")
    print("target: SDK full decode <= 1.30x json.loads")

    imports = import_ms("voucherify_async, voucherify_async._models")  # the models load lazily
    httpx_alone = import_ms("httpx")["httpx"]
    print(f"\nimport (median ms, cumulative, `-X importtime`): httpx alone {httpx_alone:.1f}")
    for name in ("voucherify_async._models", "voucherify_async._convert", "voucherify_async"):
        print(f"  {name:28s} {imports.get(name, float('nan')):6.1f}")
    total = imports["voucherify_async"]
    print(f"  voucherify_async / httpx: {total / httpx_alone:.2f}x (target <= 1.5x)")
    print(f"first decode of a page in a fresh process: {first_decode_ms():.1f} ms")

    if args.profile:
        profile(lambda body: decode(body, CustomersPage), pages, "SDK full decode")
        profile(lambda body: decode(body, CustomersPage), unknown, "SDK general path")
        profile(lambda body: structure(loads(body), CustomersPage), pages[:5], "structure only")


if __name__ == "__main__":
    main()
