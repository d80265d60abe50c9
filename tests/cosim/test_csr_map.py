"""The CSR map's single source (rtl/top/csr/*.yaml) against everything generated from it.

* the committed rtl/top/generated/etl_csr.v and the docs table are current (csrgen --check);
* pyverilog's parse of the generated Verilog (preprocessed by `verilator -E -P`, since pyverilog's own
  preprocessor needs iverilog) has exactly the ports the YAML implies, with their widths;
* address assignment follows the documented rules and rejects overlaps and bad names.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from cosim import csrgen
from cosim.runner import ensure_verilator_env
from host_runtime import csr_map
from host_runtime.csr_map import Access, CsrMapError, load_csr_map


def test_generated_files_current() -> None:
    assert csrgen.main(["--check"]) == 0


def _pyverilog_ports(path: Path, tmp: Path) -> dict[str, tuple[str, int]]:
    from pyverilog.vparser.parser import VerilogParser

    ensure_verilator_env()
    text = subprocess.run(["verilator", "-E", "-P", str(path)], check=True, capture_output=True, text=True).stdout
    text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("`"))
    ast = VerilogParser(outputdir=str(tmp), debug=False).parse(text)  # its parser tables go to tmp
    mod = ast.description.definitions[0]
    ports: dict[str, tuple[str, int]] = {}
    for p in mod.portlist.ports:
        first = p.first
        width = 1
        if first.width is not None:
            width = int(first.width.msb.value) - int(first.width.lsb.value) + 1 \
                if first.width.msb.__class__.__name__ == "IntConst" else -1
        ports[first.name] = (type(first).__name__.lower(), width)
    return ports


def test_ports_match_yaml(tmp_path: Path) -> None:
    ports = _pyverilog_ports(csrgen.OUT_V, tmp_path)
    want: dict[str, tuple[str, int]] = {}
    m = load_csr_map()
    for b in m.blocks:
        for r in b.registers:
            kind = {Access.RW: "cfg", Access.RO: "status", Access.CMD: "cmd"}[r.access]
            want[f"{kind}_{b.name}_{r.name}"] = ("input" if r.access == Access.RO else "output", r.width)
        for a in b.arrays:
            if a.storage == "table":
                p = f"tbl_{b.name}_{a.name}"
                want |= {f"{p}_we": ("output", 1), f"{p}_addr": ("output", a.addr_bits), f"{p}_wdata": ("output", 32)}
                continue
            for f in a.fields:
                want[f"cfg_{b.name}_{a.name}_{f.name}"] = ("output", a.count * f.width)
        for t in b.tables:
            p = f"tbl_{b.name}_{t.name}"
            want |= {f"{p}_we": ("output", 1), f"{p}_re": ("output", 1), f"{p}_addr": ("output", t.addr_bits),
                     f"{p}_wdata": ("output", 32), f"{p}_rdata": ("input", 32)}
    got = {k: v for k, v in ports.items() if not k.startswith("s_axil_") and k not in ("clk", "rst")}
    assert got == want


def _write_map(tmp: Path, blocks: dict[str, dict], bases: list[tuple[str, int, int]]) -> Path:
    (tmp / "map.yaml").write_text(yaml.safe_dump({"blocks": [{"name": n, "base": b, "size": s} for n, b, s in bases]}))
    for name, doc in blocks.items():
        (tmp / f"{name}.yaml").write_text(yaml.safe_dump({"block": name, **doc}))
    return tmp


def test_address_rules(tmp_path: Path) -> None:
    d = _write_map(tmp_path, {"x": {
        "registers": [{"name": "a", "width": 3}, {"name": "b", "width": 40}, {"name": "c", "width": 48, "access": "ro"}],
        "arrays": [{"name": "f", "count": 3, "fields": [{"name": "p", "width": 8}, {"name": "q", "width": 64},
                                                          {"name": "r", "width": 1}]}],
        "tables": [{"name": "t", "words": 100}]}}, [("x", 0x1000, 0x1000)])
    b = load_csr_map.__wrapped__(d).block("x")
    assert [r.address for r in b.registers] == [0x1000, 0x1004, 0x100C]
    f = b.array("f")
    assert (f.stride, f.address) == (16, 0x1040)  # 3 x 16 bytes -> a 64-byte aligned span after 0x1014
    assert [x.word for x in f.fields] == [0, 1, 3]
    assert b.table("t").address == 0x1200 and b.table("t").span == 512


def test_table_storage_keeps_addresses(tmp_path: Path) -> None:
    """`storage: table` changes the hardware behind an array, never its addresses or the host's writes."""
    arr = {"name": "f", "count": 3, "fields": [{"name": "p", "width": 8}, {"name": "q", "width": 64}]}
    (tmp_path / "r").mkdir()
    (tmp_path / "t").mkdir()
    regs = _write_map(tmp_path / "r", {"x": {"registers": [{"name": "a", "width": 3}], "arrays": [arr]}},
                      [("x", 0x1000, 0x1000)])
    tbl = _write_map(tmp_path / "t", {"x": {"registers": [{"name": "a", "width": 3}],
                                            "arrays": [{**arr, "storage": "table"}]}},
                     [("x", 0x1000, 0x1000)])
    a_r = load_csr_map.__wrapped__(regs).block("x")
    a_t = load_csr_map.__wrapped__(tbl).block("x")
    assert a_t.array("f").storage == "table" and a_r.array("f").storage == "registers"
    assert (a_t.array("f").address, a_t.array("f").stride) == (a_r.array("f").address, a_r.array("f").stride)
    assert (a_t.array("f").words, a_t.array("f").addr_bits) == (12, 4)
    vals = {"f": {"p": [1, 2, 3], "q": [4, 5 << 40, 6]}}
    assert csr_map.image_writes(a_t, vals) == csr_map.image_writes(a_r, vals)
    text = csrgen.generate_verilog(load_csr_map.__wrapped__(tbl))
    assert "output reg  [3:0] tbl_x_f_addr" in text and "cfg_x_f_p" not in text
    lay = csrgen.generate_array_layout(a_t)
    assert "CSR_F_ENTRY_WORDS = 4;" in lay and "CSR_F_Q_WORD = 1;" in lay


@pytest.mark.parametrize("bad, msg", [
    ({"registers": [{"name": "Bad", "width": 3}]}, "lower-case"),
    ({"registers": [{"name": "a", "width": 0}]}, "width"),
    ({"registers": [{"name": "a", "width": 2, "access": "cmd"}]}, "cmd"),
    ({"registers": [{"name": "a", "width": 2}, {"name": "a", "width": 3}]}, "duplicate"),
    ({"tables": [{"name": "t", "words": 5000}]}, "needs"),
    ({"arrays": [{"name": "f", "count": 2, "storage": "rom", "fields": [{"name": "p", "width": 8}]}]}, "storage"),
])
def test_bad_maps_rejected(tmp_path: Path, bad: dict, msg: str) -> None:
    d = _write_map(tmp_path, {"x": bad}, [("x", 0x1000, 0x1000)])
    with pytest.raises(CsrMapError, match=msg):
        load_csr_map.__wrapped__(d)


def test_overlapping_blocks_rejected(tmp_path: Path) -> None:
    d = _write_map(tmp_path, {"x": {}, "y": {}}, [("x", 0x1000, 0x1000), ("y", 0x1000, 0x100)])
    with pytest.raises(CsrMapError, match="overlap"):
        load_csr_map.__wrapped__(d)


def test_image_writes_reject_unknown_names() -> None:
    b = load_csr_map().block("decode")
    with pytest.raises(CsrMapError, match="no writable"):
        csr_map.image_writes(b, {"delimter": 9})
    with pytest.raises(CsrMapError, match="no writable"):
        csr_map.image_writes(b, {"rows_in": 1})  # a counter is not writable
