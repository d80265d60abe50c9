"""Frame scoreboard: expected vs received AXI-Stream frames, in order, bit-exact."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence

from cocotbext.axi import AxiStreamFrame

from tb.common.axis import AxiStreamSink


def _as_list(v: object, n: int) -> list[int]:
    """Per-byte view of a frame sideband (None / int / list)."""
    if v is None:
        return [0] * n
    if isinstance(v, (int, bool)):
        return [int(v)] * n
    return [int(x) for x in v]  # type: ignore[attr-defined]


class FrameScoreboard:
    """In-order scoreboard for AXI-Stream frames.

    Usage::

        sb = FrameScoreboard("fifo", check_user=True)
        sb.expect(model(frame))          # golden model output, in order
        ...
        await sb.drain(tb.sink, count)   # receive and compare `count` frames
        sb.finish()                      # nothing left expected

    ``check_keep=True`` compares uncompacted frames (data of every byte slot and
    tkeep exactly); receive with ``sink.recv(compact=False)`` then, and build
    expectations with explicit ``tkeep``. Otherwise frames are compared compacted
    (kept bytes only), which is what width converters preserve.
    """

    def __init__(
        self,
        name: str,
        check_user: bool = True,
        check_keep: bool = False,
        log: logging.Logger | None = None,
        user_map: Callable[[list[int]], list[int]] | None = None,
    ) -> None:
        self.name = name
        self.check_user = check_user
        self.check_keep = check_keep
        self.log = log or logging.getLogger(f"cocotb.sb.{name}")
        self.user_map = user_map
        self.expected: deque[AxiStreamFrame] = deque()
        self.matched = 0

    def expect(self, frame: AxiStreamFrame) -> None:
        """Queue one expected frame (a copy is taken)."""
        self.expected.append(AxiStreamFrame(frame))

    def expect_all(self, frames: Sequence[AxiStreamFrame]) -> None:
        for f in frames:
            self.expect(f)

    def compare(self, rx: AxiStreamFrame) -> None:
        """Compare the next expected frame with ``rx``; raise AssertionError on mismatch."""
        idx = self.matched
        if not self.expected:
            raise AssertionError(f"[{self.name}] frame #{idx}: unexpected extra frame {rx}")
        exp = self.expected.popleft()
        errs: list[str] = []
        ed, rd = list(exp.tdata), list(rx.tdata)
        if len(ed) != len(rd):
            errs.append(f"length: expected {len(ed)} bytes, got {len(rd)}")
        for i, (a, b) in enumerate(zip(ed, rd)):
            if a != b:
                errs.append(f"tdata: first mismatch at byte {i}: expected 0x{a:02x}, got 0x{b:02x}")
                break
        if self.check_keep:
            ek, rk = _as_list(exp.tkeep if exp.tkeep is not None else 1, len(ed)), _as_list(
                rx.tkeep if rx.tkeep is not None else 1, len(rd)
            )
            if ek != rk:
                i = next((i for i, (a, b) in enumerate(zip(ek, rk)) if a != b), min(len(ek), len(rk)))
                errs.append(f"tkeep: first mismatch at byte {i}: expected {ek[i:i+8]}, got {rk[i:i+8]}")
        if self.check_user:
            eu, ru = _as_list(exp.tuser, len(ed)), _as_list(rx.tuser, len(rd))
            if self.user_map is not None:
                eu = self.user_map(eu)
            if eu != ru:
                i = next((i for i, (a, b) in enumerate(zip(eu, ru)) if a != b), min(len(eu), len(ru)))
                errs.append(f"tuser: first mismatch at byte {i}: expected {eu[i:i+8]}, got {ru[i:i+8]}")
        if errs:
            raise AssertionError(
                f"[{self.name}] frame #{idx} mismatch:\n    " + "\n    ".join(errs)
                + f"\n  expected: {exp}\n  received: {rx}"
            )
        self.matched += 1

    async def drain(self, sink: AxiStreamSink, count: int | None = None) -> None:
        """Receive and compare ``count`` frames (default: all still expected)."""
        n = len(self.expected) if count is None else count
        for _ in range(n):
            rx = await sink.recv(compact=not self.check_keep)
            self.compare(rx)

    def finish(self) -> None:
        """Assert nothing is still expected; log the tally."""
        if self.expected:
            raise AssertionError(
                f"[{self.name}] {len(self.expected)} expected frame(s) never received "
                f"(matched {self.matched}); next: {self.expected[0]}"
            )
        self.log.info("[%s] %d frames matched", self.name, self.matched)
