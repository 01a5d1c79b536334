#!/usr/bin/env python3
"""Derives damaged checkpoints from the golden fixtures into fuzz-regressions/.

CheckpointCorruptionTests.testFuzzerRegressionInputsFailCleanly decodes every
file there (as it is, and with every CRC recomputed, as CheckpointFuzzer does)
and requires an error or a consistent checkpoint, never a crash. These cases
are deterministic (seeded): cuts inside the header, the table and each
section; and, with the CRCs recomputed so that the parser behind the checksums
sees them, single bytes replaced: named fields of CONF (cell code, layers,
hidden, dropout, parameter count) and the first bytes of VOCB and TRAN, and
seeded offsets in the header, the table and every section, so that lengths,
counts, offsets, codes and floats take absurd values.

Run from this folder: python3 derive_fuzz_regressions.py (it rewrites the
derived-* files; the fuzzer's own finds, crash-*, are kept).
"""
import glob
import os
import random
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fuzz-regressions")


def refresh(b):
    """Recomputes every section CRC, the table CRC and the header CRC (as ChecksumPatcher.refresh)."""
    count = min(struct.unpack_from("<I", b, 20)[0], (len(b) - 64) // 32)
    for i in range(count):
        e = 64 + 32 * i
        off, length = struct.unpack_from("<QQ", b, e + 8)
        if off <= len(b) and length <= len(b) - off:
            struct.pack_into("<I", b, e + 24, zlib.crc32(b[off:off + length]))
    struct.pack_into("<I", b, 28, zlib.crc32(b[64:64 + 32 * count]))
    struct.pack_into("<I", b, 60, zlib.crc32(b[0:60]))


def sections(b):
    count = struct.unpack_from("<I", b, 20)[0]
    out = []
    for i in range(count):
        kind, _, off, length, _, _ = struct.unpack_from("<4sIQQII", b, 64 + 32 * i)
        out.append((kind.decode(), off, length))
    return out


def main():
    for old in glob.glob(os.path.join(OUT, "derived-*")):
        os.remove(old)
    rng = random.Random(16)
    written = 0
    for path in sorted(glob.glob(os.path.join(HERE, "*.ckpt"))):
        name = os.path.splitext(os.path.basename(path))[0]
        good = bytearray(open(path, "rb").read())
        secs = sections(good)
        table_end = 64 + 32 * len(secs)

        def emit(what, data):
            nonlocal written
            assert len(data) < 8192
            with open(os.path.join(OUT, f"derived-{name}-{what}.bin"), "wb") as f:
                f.write(data)
            written += 1

        # Cuts: in the header, in the table, in the middle of each section.
        emit("cut-header", good[:40])
        emit("cut-table", good[:table_end - 5])
        for kind, off, length in secs:
            emit(f"cut-{kind}", good[:off + length // 2])
        # One byte replaced, CRCs recomputed: in the header and table, and in each section.
        places = [("header", rng.randrange(8, 60)), ("table", rng.randrange(64, table_end))]
        for kind, off, length in secs:
            places += [(kind, off + rng.randrange(min(length, 48))), (kind, off + rng.randrange(length))]
        # And named fields of CONF (cell u8 0, layers u32 4, hidden u32 12, dropout f32 20,
        # parameter count u64 24) and the first bytes of VOCB and TRAN (the vocabulary
        # count; the optimizer code), where a config that fails ModelConfig.problem()
        # or a count that disagrees must be refused.
        conf = dict((k, off) for k, off, _ in secs)["CONF"]
        fields = [("CONF-cell", conf + 0, 0x07), ("CONF-layers", conf + 4, 0x00), ("CONF-hidden", conf + 12, 0x00),
                  ("CONF-dropout", conf + 23, 0x7F), ("CONF-dropout", conf + 23, 0xFF), ("CONF-dropout", conf + 23, 0x3F),
                  ("CONF-params", conf + 31, 0x80)]
        for kind, off, _ in secs:
            if kind in ("VOCB", "TRAN"):
                fields.append((kind + "-first", off, 0x63))
        for where, at in places:
            fields.append((where, at, rng.choice([0x00, 0xFF, 0x7F, 0x80])))
        for where, at, value in fields:
            b = bytearray(good)
            if b[at] == value:
                value ^= 0x01
            b[at] = value
            refresh(b)
            emit(f"{where}-{at}-{value:02x}", b)
    print(f"wrote {written} files to {OUT}")


if __name__ == "__main__":
    main()
