import numpy as np
from hypothesis import given, settings, strategies as st

from models.npx import unique


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=200))
def test_unique_matches_numpy(xs) -> None:
    x = np.array(xs, dtype=np.uint64)
    for kw in ({}, {"return_index": True}, {"return_inverse": True}, {"return_counts": True},
               {"return_index": True, "return_inverse": True, "return_counts": True}):
        got, want = unique(x, **kw), np.unique(x, **kw)
        if not kw:
            np.testing.assert_array_equal(got, want)
        else:
            for g, w in zip(got, want):
                np.testing.assert_array_equal(g, np.asarray(w).ravel())
