"""CSR images: a pipeline spec (and the host-built state) as register writes on the map of docs/csr_map.md.

Each block has a pure function in this package giving its values by YAML name (arrays as `<array>_<field>`
lists); `csr_writes` turns them into (address, word) writes through host_runtime.csr_map, the one place
addresses come from. `mode` selects the pass (host_runtime/etl.py): "run", "vocab_count" (id stage pass 1)
or "profile" (hot sets off).
"""
from __future__ import annotations

from host_runtime.csr_map import Block, CsrMap, image_writes, load_csr_map
from models.pipeline_spec import PipelineSpec
from models.transform import TransformState

MODES = ("run", "vocab_count", "profile")


def _nest(block: Block, flat: dict) -> dict:
    """`<array>_<field>` keys → {array: {field: list}} for image_writes; other keys unchanged."""
    out: dict = {}
    for key, value in flat.items():
        for a in block.arrays:
            if key.startswith(a.name + "_") and any(f.name == key[len(a.name) + 1:] for f in a.fields):
                out.setdefault(a.name, {})[key[len(a.name) + 1:]] = value
                break
        else:
            out[key] = value
    return out


def csr_writes(spec: PipelineSpec, state: TransformState | None, mode: str, *,
               id_params: object = None, pack_params: dict[str, int] | None = None,
               csr_map: CsrMap | None = None) -> list[tuple[int, int]]:
    """Every register write that configures etl_top for `spec` in `mode` (the engine must be disabled)."""
    from host_runtime.csr_image.decode import decode_csr_image
    from host_runtime.csr_image.idstage import PRODUCT_PARAMS, hot_table_words, idstage_csr_image, table_numbers
    from host_runtime.csr_image.pack import pack_csr_image
    from host_runtime.csr_image.transform import transform_csr_image

    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    m = csr_map or load_csr_map()
    idp = id_params or PRODUCT_PARAMS
    writes = image_writes(m.block("decode"), decode_csr_image(spec))
    tr = m.block("transform")
    writes += image_writes(tr, _nest(tr, transform_csr_image(spec)))
    ids = m.block("idstage")
    img = idstage_csr_image(spec, None, idp)  # hot words are written sparsely below
    img.pop("hot", None)
    img["mode"] = 1 if mode == "vocab_count" else 0
    if mode != "run":
        img["hot_split"] = 0
    hot_words: list[tuple[int, int]] = []
    if mode == "run" and spec.hot_split and state is not None:
        hot = ids.table("hot")
        counts = [0] * idp.hotset_tables
        for i, table in sorted(table_numbers(spec, idp)[1].items(), key=lambda it: it[1]):
            hs = state.hotsets[i]
            assert hs is not None
            hot_words += [(hot.address + 4 * a, v) for a, v in sorted(hot_table_words(hs, table, idp).items())]
            counts[table] = len(hs)
        img["hotset_count"] = counts
    writes += image_writes(ids, _nest(ids, img)) + hot_words
    pk = m.block("pack")
    pimg = pack_csr_image(spec, pack_params)
    if mode != "run":
        pimg["hot_split"] = 0
    writes += image_writes(pk, pimg)
    return writes
