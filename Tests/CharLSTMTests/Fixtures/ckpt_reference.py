#!/usr/bin/env python3
"""Independent reader/writer of charlstm checkpoint format 1.3, written from
docs/checkpoint-format.md only (no charlstm code), to keep the document honest.

  ckpt_reference.py dump FILE          validate FILE and print a JSON summary
  ckpt_reference.py write OUT L E H V  write a weights-only LSTM checkpoint with
                                       deterministic weights (for timing and cross-checks)
"""
import json, struct, sys, zlib

MAGIC = b"\x89CLSTM\r\n"

def die(msg):
    sys.exit(f"ckpt_reference: {msg}")

def param_count(cell, L, E, H, V, direction=0):
    G = {0: 4, 1: 3, 2: 1}[cell]
    S = 2 if direction == 1 else 1
    P = V * E
    for l in range(L):
        P += S * (((E if l == 0 else H) + H) * G * H + G * H)
    return P + S * H * V + V

def read(path):
    b = open(path, "rb").read()
    n = len(b)
    if b[:8] != MAGIC[:min(n, 8)] or n < 8: die("not a checkpoint")
    major, minor = struct.unpack_from("<HH", b, 8)
    if major != 1: die(f"format {major}.{minor} not supported")
    if n < 64: die("truncated")
    flags, hsize, count, esize, tcrc, fsize = struct.unpack_from("<IIIIIQ", b, 12)
    if hsize != 64 or esize != 32: die("header")
    if zlib.crc32(b[0:60]) != struct.unpack_from("<I", b, 60)[0]: die("header CRC")
    if fsize != n: die(f"file size {fsize} != {n}")
    table = b[64:64 + 32 * count]
    if zlib.crc32(table) != tcrc: die("table CRC")
    sections, spans = {}, []
    for i in range(count):
        kind, sflags, off, length, crc, _ = struct.unpack_from("<4sIQQII", table, 32 * i)
        if off < 64 + 32 * count or off + length > n: die("section out of bounds")
        if zlib.crc32(b[off:off + length]) != crc: die(f"{kind} CRC")
        spans.append((off, length))
        if kind in sections: die("duplicate section")
        if kind not in (b"CONF", b"VOCB", b"WGHT", b"TRAN", b"AVRG"):
            if sflags & 1: continue
            die(f"unknown required section {kind}")
        sections[kind] = (sflags, b[off:off + length], off)
    pos = 64 + 32 * count
    for off, length in sorted(spans):
        if off < pos or any(b[pos:off]): die("overlap or non-zero padding")
        pos = off + length
    if pos != n: die("trailing bytes")
    _, conf, _ = sections[b"CONF"]
    cell, norm, direction, _, L, E, H, V, dropout, P = struct.unpack_from("<BBBBIIIIfQ", conf, 0)
    if direction not in (0, 1): die("direction")
    step, epoch, best, created, mflags, nlen = struct.unpack_from("<qqdqII", conf, 32)
    if P != param_count(cell, L, E, H, V, direction) or len(conf) != 72 + nlen: die("CONF sizes")
    corpus = conf[72:72 + nlen].decode("utf-8")
    _, voc, _ = sections[b"VOCB"]
    (vcount,) = struct.unpack_from("<I", voc, 0)
    if vcount != V: die("vocabulary count")
    tokens, at = [], 4
    for _ in range(V):
        (k,) = struct.unpack_from("<I", voc, at)
        tokens.append(voc[at + 4:at + 4 + k].decode("utf-8"))
        at += 4 + k
    if at != len(voc) or tokens[0] != "<unk>" or len(set(tokens)) != V: die("vocabulary")
    wflags, w, woff = sections[b"WGHT"]
    half = bool(wflags & 2)
    if len(w) != (2 if half else 4) * P or woff % 64: die("weights size/alignment")
    weights = struct.unpack_from(f"<{P}{'e' if half else 'f'}", w, 0)
    summary = dict(version=f"{major}.{minor}", cell=["lstm", "gru", "rnn"][cell],
                   direction=["forward", "bidirectional"][direction], layers=L, embed=E, hidden=H,
                   vocab=V, params=P, dropout=round(dropout, 6), normalization=["nfc", "nfkc", "none"][norm],
                   step=step, epoch=epoch, best_val_bpc=best if mflags & 1 else None, corpus=corpus,
                   created_at=created, half=half, tokens=tokens, weight_sum=round(sum(weights), 3))
    if b"TRAN" in sections:
        _, t, _ = sections[b"TRAN"]
        opt = t[0]
        B, T = struct.unpack_from("<qq", t, 8)
        n1, n2, nc, nr, nh = struct.unpack_from("<5Q", t, 120)
        if len(t) != 192 + 4 * (n1 + n2 + nc) + 8 * nr + 40 * nh: die("TRAN size")
        if n1 != P or n2 != (P if opt == 0 else 0): die("TRAN moments")
        S = 2 if cell == 0 else 1
        if nc not in (0, L * S * B * H): die("TRAN carried state")
        hist_at = 192 + 4 * (n1 + n2 + nc) + 8 * nr
        history = [struct.unpack_from("<qdddd", t, hist_at + 40 * i) for i in range(nh)]
        (weight_drop,) = struct.unpack_from("<d", t, 160)
        if not 0 <= weight_drop < 1: die("TRAN weight drop")
        mask = t[168]
        if mask not in (0, 1): die(f"TRAN dropout mask code {mask}")
        summary["training"] = dict(optimizer=["adam", "rmsprop", "sgd"][opt], batch=B, seq_length=T, weight_drop=weight_drop,
                                   dropout_mask=["step", "window"][mask],
                                   step=struct.unpack_from("<q", t, 88)[0], history_steps=[h[0] for h in history],
                                   rng=list(struct.unpack_from(f"<{nr}Q", t, 192 + 4 * (n1 + n2 + nc))))
    if b"AVRG" in sections:
        if b"TRAN" not in sections: die("AVRG without TRAN")
        _, a, _ = sections[b"AVRG"]
        role, first, count, nw = struct.unpack_from("<B7xqqQ", a, 0)
        if role not in (0, 1) or first < 0 or count < 0: die("AVRG fields")
        if nw != (0 if count == 0 else P) or len(a) != 32 + 4 * nw: die("AVRG size")
        other = struct.unpack_from(f"<{nw}f", a, 32)
        summary["average"] = dict(first_step=first, count=count, weights_are_average=bool(role),
                                  other_weight_sum=round(sum(other), 3))
    return summary

def write(path, L, E, H, V):
    P = param_count(0, L, E, H, V)
    name = b"reference"
    conf = struct.pack("<BBHIIIIfQqqdqII", 0, 0, 0, L, E, H, V, 0.0, P, 7, 1, 1.5, 0, 1, len(name)) + name
    tokens = ["<unk>"] + [chr(0x100 + i) for i in range(V - 1)]
    voc = struct.pack("<I", V) + b"".join(struct.pack("<I", len(t.encode())) + t.encode() for t in tokens)
    weights = struct.pack(f"<{P}f", *((i % 1000) * 1e-3 for i in range(P)))
    sections = [(b"CONF", 0, conf), (b"VOCB", 0, voc), (b"WGHT", 0, weights)]
    align = lambda x: (x + 63) // 64 * 64
    off, table, body = align(64 + 32 * len(sections)), b"", b""
    start = off
    for kind, flags, data in sections:
        table += struct.pack("<4sIQQII", kind, flags, off, len(data), zlib.crc32(data), 0)
        body += b"\0" * (off - start - len(body)) + data
        off = align(off + len(data))
    size = start + len(body)
    head = MAGIC + struct.pack("<HHIIIIIQ", 1, 0, 0, 64, len(sections), 32, zlib.crc32(table), size) + b"\0" * 20
    head += struct.pack("<I", zlib.crc32(head))
    out = head + table
    out += b"\0" * (start - len(out)) + body
    open(path, "wb").write(out)

if __name__ == "__main__":
    if sys.argv[1:2] == ["dump"]:
        print(json.dumps(read(sys.argv[2]), sort_keys=True))
    elif sys.argv[1:2] == ["write"]:
        write(sys.argv[2], *map(int, sys.argv[3:7]))
    else:
        die(__doc__)
