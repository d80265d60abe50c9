"""The register map, loaded from its single source: rtl/top/csr/*.yaml.

Every consumer (the generated AXI-Lite slave `rtl/top/generated/etl_csr.v`, the docs table, the runtime's
register writes) goes through `load_csr_map()`, which assigns the addresses; nothing keeps a copy. The
schema is described in rtl/top/csr/README.md.

Address rules (so a user can predict them from the YAML alone):
* each block starts at its `base` from map.yaml and must end before `base + size`;
* scalars take consecutive 32-bit words in file order (a field wider than 32 bits takes ceil(w/32)
  words, low word first);
* each array then starts at the next multiple of its span (count x stride bytes rounded up to a power
  of two; stride = 4 x the entry's words rounded up to a power of two); field f of entry i is at array base + i*stride + field word;
* each table then starts at the next multiple of its size (words x 4 rounded up to a power of two).

An array's `storage` only changes the hardware behind its addresses, never the addresses: `registers`
(default) keeps every field in etl_csr flip-flops on a flattened `cfg_<array>_<field>` port; `table` keeps a
RAM copy in etl_csr for read-back and forwards each written word to the engine's `tbl_<array>_*` write port
(word address = byte offset / 4 inside the array window), so the engine stores the fields in its own RAMs.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CSR_DIR = Path(__file__).resolve().parents[1] / "rtl" / "top" / "csr"
ADDR_BITS = 24


class Access(enum.Enum):
    RW = "rw"
    RO = "ro"
    CMD = "cmd"


def _words(width: int) -> int:
    return (width + 31) // 32


def _pow2(n: int) -> int:
    return 1 << max(0, math.ceil(math.log2(max(n, 1))))


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


@dataclass(frozen=True)
class Register:
    block: str
    name: str
    width: int
    access: Access
    address: int
    doc: str
    reset: int = 0

    @property
    def words(self) -> int:
        return _words(self.width)

    @property
    def port(self) -> str:
        """Port name on the engine (etl_csr adds the block prefix)."""
        kind = {Access.RW: "cfg", Access.RO: "status", Access.CMD: "cmd"}[self.access]
        return f"{kind}_{self.name}"


@dataclass(frozen=True)
class ArrayField:
    name: str
    width: int
    word: int  # word offset inside an entry
    doc: str

    @property
    def words(self) -> int:
        return _words(self.width)


@dataclass(frozen=True)
class Array:
    block: str
    name: str
    count: int
    stride: int  # bytes between entries
    address: int
    fields: tuple[ArrayField, ...]
    doc: str
    storage: str = "registers"  # "registers" (flattened cfg_* port) or "table" (engine RAM, tbl_* write port)

    @property
    def words(self) -> int:
        """32-bit words of the array window (count x stride / 4)."""
        return self.count * self.stride // 4

    @property
    def addr_bits(self) -> int:
        """Width of the word address of a table-backed array's write port."""
        return max(1, math.ceil(math.log2(self.words)))

    @property
    def entry_words(self) -> int:
        return self.stride // 4

    def field(self, name: str) -> ArrayField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.block}.{self.name} has no field {name!r}")

    def port(self, f: ArrayField) -> str:
        return f"cfg_{self.name}_{f.name}"


@dataclass(frozen=True)
class Table:
    block: str
    name: str
    words: int
    address: int
    doc: str

    @property
    def addr_bits(self) -> int:
        return max(1, math.ceil(math.log2(self.words)))

    @property
    def span(self) -> int:
        return _pow2(self.words * 4)


@dataclass(frozen=True)
class Block:
    name: str
    base: int
    size: int
    doc: str
    registers: tuple[Register, ...]
    arrays: tuple[Array, ...]
    tables: tuple[Table, ...]

    def reg(self, name: str, access: Access | None = None) -> Register:
        """The register called `name` (a config register before a counter of the same name)."""
        for r in sorted(self.registers, key=lambda r: r.access != Access.RW):
            if r.name == name and access in (None, r.access):
                return r
        raise KeyError(f"block {self.name} has no register {name!r}")

    def array(self, name: str) -> Array:
        for a in self.arrays:
            if a.name == name:
                return a
        raise KeyError(f"block {self.name} has no array {name!r}")

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(f"block {self.name} has no table {name!r}")


class CsrMapError(ValueError):
    pass


def _check_name(name: object, where: str) -> str:
    if not isinstance(name, str) or not name.isidentifier() or name.lower() != name:
        raise CsrMapError(f"{where}: name {name!r} must be a lower-case identifier")
    return name


def _width(v: object, where: str, limit: int = 64) -> int:
    if not isinstance(v, int) or not 1 <= v <= limit:
        raise CsrMapError(f"{where}: width {v!r} must be 1..{limit}")
    return v


def _load_block(path: Path, base: int, size: int) -> Block:
    doc = yaml.safe_load(path.read_text())
    bname = _check_name(doc.get("block"), str(path))
    if bname != path.stem:
        raise CsrMapError(f"{path}: block {bname!r} must match the file name")
    regs: list[Register] = []
    addr = base
    for i, r in enumerate(doc.get("registers") or []):
        where = f"{path.name}: registers[{i}]"
        name = _check_name(r.get("name"), where)
        acc = Access(r.get("access", "rw"))
        width = _width(r.get("width"), where, 1024 if acc == Access.RW else 64)
        if acc == Access.CMD and width != 1:
            raise CsrMapError(f"{where}: cmd registers are 1 bit wide")
        regs.append(Register(bname, name, width, acc, addr, str(r.get("doc", "")), int(r.get("reset", 0))))
        addr += 4 * _words(width)
    arrays: list[Array] = []
    for i, a in enumerate(doc.get("arrays") or []):
        where = f"{path.name}: arrays[{i}]"
        name = _check_name(a.get("name"), where)
        count = a.get("count")
        if not isinstance(count, int) or count < 1:
            raise CsrMapError(f"{where}: count must be a positive integer")
        fields: list[ArrayField] = []
        word = 0
        for j, f in enumerate(a.get("fields") or []):
            fw = _width(f.get("width"), f"{where}.fields[{j}]")
            fields.append(ArrayField(_check_name(f.get("name"), f"{where}.fields[{j}]"), fw, word,
                                     str(f.get("doc", ""))))
            word += _words(fw)
        if not fields:
            raise CsrMapError(f"{where}: no fields")
        storage = a.get("storage", "registers")
        if storage not in ("registers", "table"):
            raise CsrMapError(f"{where}: storage {storage!r} must be 'registers' or 'table'")
        stride = 4 * _pow2(word)
        addr = _align(addr, _pow2(stride * count))
        arrays.append(Array(bname, name, count, stride, addr, tuple(fields), str(a.get("doc", "")), storage))
        addr += stride * count
    tables: list[Table] = []
    for i, t in enumerate(doc.get("tables") or []):
        where = f"{path.name}: tables[{i}]"
        words = t.get("words")
        if not isinstance(words, int) or words < 1:
            raise CsrMapError(f"{where}: words must be a positive integer")
        tb = Table(bname, _check_name(t.get("name"), where), words, 0, str(t.get("doc", "")))
        addr = _align(addr, tb.span)
        tables.append(Table(bname, tb.name, words, addr, tb.doc))
        addr += tb.span
    if addr > base + size:
        raise CsrMapError(f"block {bname} needs {addr - base:#x} bytes, has {size:#x} at {base:#x}")
    # names are unique per port kind (a config register and a counter may share a name, e.g. decode's
    # header_lines setting and its header_lines counter: ports cfg_header_lines / status_header_lines)
    names = [r.port for r in regs] + [f"cfg_{a.name}" for a in arrays] + [f"tbl_{t.name}" for t in tables] \
        + [f"tbl_{a.name}" for a in arrays if a.storage == "table"]
    if len(set(names)) != len(names):
        raise CsrMapError(f"block {bname}: duplicate names")
    return Block(bname, base, size, str(doc.get("doc", "")), tuple(regs), tuple(arrays), tuple(tables))


@dataclass(frozen=True)
class CsrMap:
    blocks: tuple[Block, ...]

    def block(self, name: str) -> Block:
        for b in self.blocks:
            if b.name == name:
                return b
        raise KeyError(f"no CSR block {name!r}")


@lru_cache(maxsize=4)
def load_csr_map(csr_dir: Path = CSR_DIR) -> CsrMap:
    top = yaml.safe_load((csr_dir / "map.yaml").read_text())
    blocks = []
    spans = []
    for i, b in enumerate(top.get("blocks") or []):
        name, base, size = b["name"], int(b["base"]), int(b["size"])
        if base % size or size & (size - 1):
            raise CsrMapError(f"map.yaml blocks[{i}]: size must be a power of two dividing base")
        spans.append((base, base + size, name))
        path = csr_dir / f"{name}.yaml"
        if not path.exists():
            raise CsrMapError(f"map.yaml names block {name!r} but {path.name} is missing")
        blocks.append(_load_block(path, base, size))
    spans.sort()
    for (a0, a1, n0), (b0, _, n1) in zip(spans, spans[1:]):
        if b0 < a1:
            raise CsrMapError(f"blocks {n0} and {n1} overlap")
    if spans and spans[-1][1] > (1 << ADDR_BITS):
        raise CsrMapError("the map exceeds the AXI-Lite address space")
    return CsrMap(tuple(blocks))


def image_writes(block: Block, values: dict[str, object]) -> list[tuple[int, int]]:
    """(address, 32-bit word) writes that load a block's registers, arrays and tables from a value dict
    keyed by YAML names: scalars take ints, arrays a dict field -> list (one value per entry, missing
    entries 0), tables a list of words. Unknown keys are an error (a typo must not pass silently)."""
    writes: list[tuple[int, int]] = []
    known = {r.name for r in block.registers if r.access == Access.RW} | {a.name for a in block.arrays} \
        | {t.name for t in block.tables}
    unknown = set(values) - known
    if unknown:
        raise CsrMapError(f"block {block.name}: no writable register/array/table {sorted(unknown)}")
    for r in block.registers:
        if r.access != Access.RW or r.name not in values:
            continue
        v = int(values[r.name]) & ((1 << r.width) - 1)  # type: ignore[arg-type]
        for w in range(r.words):
            writes.append((r.address + 4 * w, (v >> (32 * w)) & 0xFFFFFFFF))
    for a in block.arrays:
        if a.name not in values:
            continue
        fields = values[a.name]
        assert isinstance(fields, dict), f"{block.name}.{a.name}: expected a dict of field lists"
        for fname, lst in fields.items():
            f = a.field(fname)
            if len(lst) > a.count:
                raise CsrMapError(f"{block.name}.{a.name}.{fname}: {len(lst)} entries, hardware has {a.count}")
            for i, v in enumerate(lst):
                v = int(v) & ((1 << f.width) - 1)
                for w in range(f.words):
                    writes.append((a.address + i * a.stride + 4 * (f.word + w), (v >> (32 * w)) & 0xFFFFFFFF))
    for t in block.tables:
        if t.name not in values:
            continue
        words = list(values[t.name])  # type: ignore[arg-type]
        if len(words) > t.words:
            raise CsrMapError(f"{block.name}.{t.name}: {len(words)} words, table has {t.words}")
        writes.extend((t.address + 4 * i, int(w) & 0xFFFFFFFF) for i, w in enumerate(words))
    return writes
