"""Write the log1p_fx ROM image ($readmemh) from the golden model's table.

One source of truth: models/data/log1p_table.json, packed by
models.log1p.table_words() / readmemh_lines(). Never edit the .mem by hand.

    .venv/bin/python rtl/transform/gen_log1p_rom.py            # rtl/transform/log1p_fx_rom.mem
    .venv/bin/python rtl/transform/gen_log1p_rom.py --check    # exit 1 if the file is stale
    .venv/bin/python rtl/transform/gen_log1p_rom.py OUT.mem    # elsewhere (the testbench does this)

The committed rtl/transform/log1p_fx_rom.mem is what synthesis reads (log1p_fx's
default ROM_FILE); tb/log1p_fx checks it is up to date and simulates with a
freshly generated copy.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = Path(__file__).resolve().parent / "log1p_fx_rom.mem"


def rom_text() -> str:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from models import log1p

    # the RTL slices the word with these constants; fail loudly if the model moved
    expect = dict(SEG_BITS=8, U_BITS=23, DEGREE=3, FRAC_BITS=44, LN2_Q=12193974156573,
                  COEF_WIDTHS=(44, 36, 28, 19), COEF_SIGNED=(False, False, True, False), WORD_BITS=127)
    for k, v in expect.items():
        got = getattr(log1p, k)
        if got != v:
            raise SystemExit(f"models.log1p.{k} = {got}, but rtl/transform/log1p_fx.v is built for {v}: "
                             "update the RTL together with the table")
    return "\n".join(log1p.readmemh_lines()) + "\n"


def write(out: Path = DEFAULT_OUT) -> Path:
    text = rom_text()
    out = Path(out)
    if not out.exists() or out.read_text() != text:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f"{out.suffix}.{os.getpid()}.tmp")
        tmp.write_text(text)
        tmp.replace(out)
    return out


def is_current(path: Path = DEFAULT_OUT) -> bool:
    return Path(path).exists() and Path(path).read_text() == rom_text()


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--check":
        ok = is_current()
        print(f"{DEFAULT_OUT}: {'up to date' if ok else 'STALE (regenerate)'}")
        return 0 if ok else 1
    out = write(Path(argv[0]) if argv else DEFAULT_OUT)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
