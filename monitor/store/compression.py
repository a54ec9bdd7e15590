"""Compressing raw pages and records against a trial's first one.

A new version of a page mostly repeats the trial's first page, so each page (and each
record) is compressed with zstandard using the first one as a raw-content dictionary: a
changed version of a 300 KB jRCT page costs a few hundred bytes. zlib's 32 KiB window
cannot do that for pages larger than the window. Older databases hold zlib blobs; they
stay readable (and are recompressed by the migration).
"""

from __future__ import annotations

import zlib
from collections import OrderedDict

import zstandard

ZSTD = "zstd"
ZSTD_DICT = "zstd-dict"
_LEVEL = 10  # measured: as small as level 19 on these pages, at a third of the time


class Codec:
    """Compresses and decompresses, caching the few dictionaries in use (one per trial
    and language being checked)."""

    def __init__(self, cache_size: int = 32) -> None:
        self._dicts: OrderedDict[bytes, zstandard.ZstdCompressionDict] = OrderedDict()
        self._cache_size = cache_size
        self._plain = zstandard.ZstdCompressor(level=_LEVEL)
        self._plain_out = zstandard.ZstdDecompressor()

    def _dictionary(self, base: bytes) -> zstandard.ZstdCompressionDict:
        key = base[:64] + len(base).to_bytes(8, "big") + base[-64:]
        found = self._dicts.get(key)
        if found is None:
            found = zstandard.ZstdCompressionDict(base,
                                                  dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            self._dicts[key] = found
            if len(self._dicts) > self._cache_size:
                self._dicts.popitem(last=False)
        else:
            self._dicts.move_to_end(key)
        return found

    def compress(self, data: bytes, base: bytes | None = None) -> tuple[bytes, str]:
        """``(blob, codec)``: against ``base`` when given."""
        if base is None:
            return self._plain.compress(data), ZSTD
        compressor = zstandard.ZstdCompressor(level=_LEVEL, dict_data=self._dictionary(base),
                                              write_dict_id=False)
        return compressor.compress(data), ZSTD_DICT

    def decompress(self, blob: bytes, codec: str, base: bytes | None = None) -> bytes:
        if codec == ZSTD:
            return self._plain_out.decompress(blob)
        if codec == ZSTD_DICT:
            if base is None:
                raise ValueError("a zstd-dict blob needs its base")
            return zstandard.ZstdDecompressor(dict_data=self._dictionary(base)).decompress(blob)
        if codec == "zlib":
            return zlib.decompress(blob)
        if codec == "zlib-dict":
            decompressor = zlib.decompressobj(zdict=base or b"")
            return decompressor.decompress(blob) + decompressor.flush()
        if codec in ("", "none", None):
            return blob
        raise ValueError(f"unknown compression {codec!r}")
