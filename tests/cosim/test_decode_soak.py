"""`make soak`: >= 10M generated and mutated rows through the decode RTL via the native harness.

Each stream gets a random schema and text format (tb.common.decode random_config), rows drawn from a per-configuration pool of random rows with every
bad-input class (random_row) plus fresh byte mutations, random idle/back-pressure
probabilities on both streams, and every stream's record bytes are compared with
``models.records.encode(decode_text(...))``; the counters are compared at the end.
Rows per second (golden model included) are printed and written to
``build/native/soak_<top>.json``.

SOAK_ROWS (default 10_000_000) sets the rows per top; SOAK_SEED the seed.
"""
from __future__ import annotations

import json
import os
import random
import time

import pytest

from cosim.native import NativeSim
from cosim.native.build import NATIVE_ROOT
from cosim.native.decode_driver import counters, golden_counters, stream_and_check
from cosim.runner import rtl_sources
from models import records
from models.schema import TextFormat, sum_counters
from tb.common.decode import random_config, random_row

# the documented 2 x 32 build (64-byte beats) and the widest one (4 x 32: 128-byte beats)
TOPS = {
    "decode_engine_2x32": (("decode_engine",),
                           {"LANES": 2, "LANE_BYTES": 32, "FIELDS_PER_BEAT": records.FIELDS_PER_BEAT}),
    "decode_engine_4x32": (("decode_engine",),
                           {"LANES": 4, "LANE_BYTES": 32, "FIELDS_PER_BEAT": records.FIELDS_PER_BEAT}),
}


def _mutate(rng: random.Random, line: bytes, delim: int) -> bytes:
    b = bytearray(line)
    for _ in range(rng.randint(1, 3)):
        pos = rng.randint(0, len(b))
        byte = rng.choice([0x00, 0x0D, 0x7F, delim, ord("-"), ord("+"), ord("x"), ord("9"), ord("0")])
        op = rng.randrange(3)
        if op == 0 or not b:
            b.insert(pos, byte)
        elif op == 1:
            del b[min(pos, len(b) - 1)]
        else:
            b[min(pos, len(b) - 1)] = byte
    return bytes(b).replace(b"\n", b"")


def _stream(rng: random.Random, pool: list[bytes], n: int, fmt: TextFormat) -> bytes:
    lines = []
    for _ in range(fmt.header_lines):
        lines.append(rng.choice([b"", b"label\tI1", b"h\x00dr", b"\r"]))
    for _ in range(n):
        r = rng.random()
        if r < 0.02:
            lines.append(rng.choice([b"", b"\r", b"\r\r"]))
        elif r < 0.06:
            lines.append(_mutate(rng, rng.choice(pool), fmt.delimiter))
        else:
            lines.append(rng.choice(pool))
    eol = b"\r\n" if rng.random() < 0.3 else b"\n"
    data = eol.join(lines)
    return data + (eol if rng.random() < 0.6 else b"")


@pytest.mark.slow
@pytest.mark.parametrize("top", list(TOPS))
def test_decode_soak(top: str) -> None:
    total = int(os.environ.get("SOAK_ROWS", "10000000"))
    seed = int(os.environ.get("SOAK_SEED", "1"))
    names, params = TOPS[top]
    sim = NativeSim(names[0], rtl_sources(*names), params, seed=seed)
    sim.reset()
    rng = random.Random(seed)
    golden = []
    rows = n_bytes = streams = cycles = 0
    t0 = time.perf_counter()
    while rows < total:
        kinds, fmt = random_config(rng, max_cols=rng.choice([8, 16, 40]))
        pool = [random_row(rng, kinds, fmt, 0.25) for _ in range(400)]
        for _ in range(8):  # streams per configuration
            sim.source().pause(rng.choice([0.0, 0.1, 0.3]), rng.randrange(1 << 30))
            sim.sink().pause(rng.choice([0.0, 0.2, 0.5]), rng.randrange(1 << 30))
            data = _stream(rng, pool, rng.randint(500, 6000), fmt)
            c, n = stream_and_check(sim, data, kinds, fmt)
            golden.append(c)
            rows += c.rows_in
            n_bytes += len(data)
            cycles += n
            streams += 1
    wall = time.perf_counter() - t0
    assert counters(sim) == golden_counters(sum_counters(golden))
    summary = {"top": top, "parameters": sim.parameters, "rows": rows, "streams": streams, "bytes": n_bytes,
               "cycles": cycles, "wall_s": round(wall, 1), "rows_per_s": round(rows / wall),
               "cycles_per_s": round(cycles / wall)}
    NATIVE_ROOT.mkdir(parents=True, exist_ok=True)
    (NATIVE_ROOT / f"soak_{top}.json").write_text(json.dumps(summary, indent=1))
    print(f"soak {summary}")
    assert rows >= total
