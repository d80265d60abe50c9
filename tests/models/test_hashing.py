"""Cross-check of the XXH64 golden model against the PyPI `xxhash` package."""
import numpy as np
import xxhash
from hypothesis import given, settings, strategies as st

from models.hashing import xxh64_bytes, xxh64_u64


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.integers(0, 2**64 - 1))
def test_bytes_match_pypi(data: bytes, seed: int) -> None:
    assert xxh64_bytes(data, seed) == xxhash.xxh64_intdigest(data, seed=seed)


def test_u64_keys_match_pypi() -> None:
    rng = np.random.default_rng(1)
    keys = np.concatenate([rng.integers(0, 2**64 - 1, 5000, dtype=np.uint64, endpoint=True),
                           np.array([0, 1, 2**32 - 1, 2**63, 2**64 - 1], dtype=np.uint64)])
    for seed in (0, 1, 0xDEADBEEF, 2**64 - 1):
        got = xxh64_u64(keys, seed)
        want = [xxhash.xxh64_intdigest(int(k).to_bytes(8, "little"), seed=seed) for k in keys]
        assert got.tolist() == want


def test_per_key_seed() -> None:
    keys = np.arange(100, dtype=np.uint64)
    seeds = np.arange(100, dtype=np.uint64) * np.uint64(7919)
    got = xxh64_u64(keys, seeds)
    want = [xxhash.xxh64_intdigest(int(k).to_bytes(8, "little"), seed=int(s)) for k, s in zip(keys, seeds)]
    assert got.tolist() == want
