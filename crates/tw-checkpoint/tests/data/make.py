#!/usr/bin/env python3
"""Writes the tw-checkpoint test inputs into this directory (deterministic; torch not needed).

Normal archives come from Python's own `zipfile`/`tarfile`/`gzip`/`bz2`/`lzma`, so the crate is
checked against an independent writer. Malformed archives (ZIP64 end records, data descriptors,
duplicate names, header mismatches, flag bits, bad CRCs) come from the small hand writer below,
which lays bytes out exactly as APPNOTE.TXT describes. Pickles are real `pickle` output with a
stand-in `torch` module, so the globals are the ones torch.save writes. Nothing is ever loaded.
Run: python3 crates/tw-checkpoint/tests/data/make.py
"""
import bz2
import collections
import gzip
import io
import lzma
import os
import pickle
import struct
import sys
import tarfile
import types
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DATE = (1980, 1, 1, 0, 0, 0)

# --- a stand-in torch module so pickle writes torch's globals without torch installed -------
torch = types.ModuleType("torch")
torch_utils = types.ModuleType("torch._utils")
torch._utils = torch_utils
sys.modules["torch"] = torch
sys.modules["torch._utils"] = torch_utils


def _rebuild_tensor_v2(*args):
    raise RuntimeError("never called")


_rebuild_tensor_v2.__module__ = "torch._utils"
torch_utils._rebuild_tensor_v2 = _rebuild_tensor_v2


class FloatStorage:
    pass


FloatStorage.__module__ = "torch"
torch.FloatStorage = FloatStorage


class LongStorage:
    pass


LongStorage.__module__ = "torch"
torch.LongStorage = LongStorage


class Storage:
    """A storage placeholder pickled through persistent_id."""

    def __init__(self, key, numel, cls=FloatStorage):
        self.key, self.numel, self.cls = key, numel, cls


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def __reduce__(self):
        return (_rebuild_tensor_v2, (self.storage, self.offset, self.size, self.stride, False,
                                     collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    legacy = False

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            if self.legacy:
                return ("storage", obj.cls, obj.key, "cpu", obj.numel, None)
            return ("storage", obj.cls, obj.key, "cpu", obj.numel)
        return None


def torch_pickle(state, legacy=False):
    buf = io.BytesIO()
    p = TorchPickler(buf, protocol=2)
    p.legacy = legacy
    p.dump(state)
    return buf.getvalue()


def state_dict(numel=4, shape=(2, 2), stride=(2, 1)):
    s = Storage("0", numel)
    return collections.OrderedDict(weight=Tensor(s, 0, shape, stride))


FLOATS = struct.pack("<4f", 1.0, 2.0, 3.0, 4.0)
EVIL = b"cos\nsystem\n(S'echo pwned'\ntR."  # protocol 0, starts with a plain opcode


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def std_zip(entries, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = compression
            z.writestr(info, data)
    return buf.getvalue()


def torch_entries(root="archive", pkl=None, data=FLOATS):
    return [
        (f"{root}/data.pkl", pkl if pkl is not None else torch_pickle(state_dict())),
        (f"{root}/byteorder", b"little"),
        (f"{root}/data/0", data),
        (f"{root}/version", b"3\n"),
        (f"{root}/.data/serialization_id", b"1234567890"),
        (f"{root}/.format_version", b"1"),
        (f"{root}/.storage_alignment", b"64"),
    ]


# --- the hand writer ----------------------------------------------------------------------
def hand_zip(entries, zip64=False, descriptor=False, prefix=b"", relative_offsets=False):
    """entries: dicts with name, data and optional local_name, flags, crc, method, csize (a
    central compressed size) and at (point the central entry at an earlier local header)."""
    out = bytearray(prefix)
    central = bytearray()
    base = len(prefix) if relative_offsets else 0
    for e in entries:
        data = e["data"]
        name = e["name"].encode()
        local_name = e.get("local_name", e["name"]).encode()
        flags = e.get("flags", 0) | (8 if descriptor else 0)
        method = e.get("method", 0)
        payload = zlib.compress(data)[2:-4] if method == 8 else data
        crc = e.get("crc", zlib.crc32(data))
        offset = len(out) - base
        if "at" in e:  # reuse an earlier entry's local header (overlapping entries)
            offset = e["at"]
        if descriptor:
            lcrc, lc, lu = 0, 0, 0
        else:
            lcrc, lc, lu = crc, len(payload), len(data)
        if "at" not in e:
            out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, flags, method, 0,
                               33, lcrc, lc, lu, len(local_name), 0)
            out += local_name + payload
        if descriptor:
            if zip64:
                out += struct.pack("<IIQQ", 0x08074B50, crc, len(payload), len(data))
            else:
                out += struct.pack("<IIII", 0x08074B50, crc, len(payload), len(data))
        if zip64:
            extra = struct.pack("<HHQQQ", 1, 24, len(data), len(payload), offset)
            csize, usize, off = 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF
        else:
            extra, csize, usize, off = b"", e.get("csize", len(payload)), len(data), offset
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45 if zip64 else 20, flags,
                               method, 0, 33, crc, csize, usize, len(name), len(extra), 0, 0, 0,
                               0, off)
        central += name + extra
    cd_offset = len(out) - base
    out += central
    n = len(entries)
    if zip64:
        z64 = len(out) - base
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(central),
                           cd_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, z64, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                           0xFFFFFFFF, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), cd_offset, 0)
    return bytes(out)


def as_hand(entries):
    return [{"name": n, "data": d} for n, d in entries]


def npy(descr, shape, payload):
    header = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (descr, shape)
    pad = 64 - (10 + len(header) + 1) % 64
    header = (header + " " * pad + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def safetensors(header, buffer):
    import json
    text = header if isinstance(header, str) else json.dumps(header, separators=(",", ":"))
    raw = text.encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + buffer


def legacy_stream(count=4, data=FLOATS, key_list=None):
    magic = 0x1950A86A20F9469CFC6C
    out = pickle.dumps(magic, protocol=2)
    out += pickle.dumps(1001, protocol=2)
    out += pickle.dumps({"protocol_version": 1001, "little_endian": True,
                         "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2)
    out += torch_pickle(state_dict(), legacy=True)
    out += pickle.dumps(key_list or ["0"], protocol=2)
    out += struct.pack("<q", count) + data
    return out


class EvalMagic:
    """Pickles as `eval('0x1950...')`: pickle #1 of a legacy stream computing the magic."""

    def __reduce__(self):
        return (eval, ("0x1950A86A20F9469CFC6C",))


def legacy_tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def tar_members(storage_count=1):
    """The members `legacy_load` reads, laid out as torch <= 0.1.10 wrote them: one float
    storage of 4 elements, one 2x2 tensor on it, and the object pickle (here the payload)."""
    p = lambda v: pickle.dumps(v, protocol=2)
    storages = p(storage_count) + p(("0", "cpu", FloatStorage)) + struct.pack("<q", 4) + FLOATS
    storages += p([])
    tensors = p(1) + p(("1", "0", FloatStorage)) + struct.pack("<ii", 2, 0)
    tensors += struct.pack("<2q", 2, 2) + struct.pack("<2q", 2, 1) + struct.pack("<q", 0)
    sys_info = p({"protocol_version": 1001, "little_endian": True})
    return [("sys_info", sys_info), ("storages", storages), ("tensors", tensors), ("pickle", EVIL)]


def main():
    good = torch_pickle(state_dict())
    write("torch_zip.pt", std_zip(torch_entries()))
    write("torch_zip64.pt", hand_zip(as_hand(torch_entries()), zip64=True, descriptor=True))
    write("torch_size_mismatch.pt", std_zip(torch_entries(data=FLOATS[:8])))
    write("torchscript.pt", std_zip(torch_entries() + [
        ("archive/constants.pkl", pickle.dumps((), protocol=2)),
        ("archive/code/__torch__/model.py", b"def forward(self):\n  return torch.save(1, '/tmp/x')\n"),
    ]))
    write("torch_package.pt", std_zip([
        ("pkg/.data/version", b"6\n"),
        ("pkg/.data/extern_modules", b"torch\n"),
        ("pkg/model/model.pkl", good),
        ("pkg/model/source.py", b"import os\n"),
    ]))
    write("pt2.pt2", std_zip([("model/archive_format", b"pt2"), ("model/archive_version", b"0")]))
    write("model.mar", std_zip([("MAR-INF/MANIFEST.json", b"{}"), ("model.py", b"")]))
    dup = as_hand(torch_entries(pkl=EVIL)) + [{"name": "archive/data.pkl", "data": good}]
    write("dup_data_pkl.pt", hand_zip(dup))
    write("case_data_pkl.pt", hand_zip(as_hand(torch_entries(pkl=EVIL))[:0] + [
        {"name": "archive/DATA.PKL", "data": EVIL}, {"name": "archive/byteorder", "data": b"little"}]))
    mism = as_hand(torch_entries())
    mism[0]["local_name"] = "archive/xata.pkl"
    write("name_mismatch.pt", hand_zip(mism))
    flag = as_hand(torch_entries())
    flag[0]["flags"] = 0x1
    write("flag_bit.pt", hand_zip(flag))
    crc = as_hand(torch_entries())
    crc[0]["crc"] = 0xDEADBEEF
    write("bad_crc.pt", hand_zip(crc))
    write("polyglot.pkl", EVIL + std_zip(torch_entries()))
    write("polyglot_abs.pt", hand_zip(as_hand(torch_entries()), prefix=EVIL))
    write("extra_pickle.pt", std_zip(torch_entries() + [("archive/extra/data.txt", EVIL),
                                                        ("other/data.pkl", good)]))
    write("bad_byteorder.pt", std_zip([(n, b"middle" if n.endswith("byteorder") else d)
                                       for n, d in torch_entries()]))
    write("bomb.npz", std_zip([("zeros.npy", npy("<f8", (1 << 20,), bytes(8 << 20)))],
                              zipfile.ZIP_DEFLATED))
    write("deflated.pt", std_zip(torch_entries(), zipfile.ZIP_DEFLATED))
    write("legacy.pt", legacy_stream())
    write("legacy_bad_count.pt", legacy_stream(count=1000))
    write("legacy_short_count.pt", legacy_stream(count=2, data=FLOATS[:8]))
    tbuf = io.BytesIO()
    with tarfile.open(fileobj=tbuf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in [("sys_info", b"x"), ("storages", b"x"), ("tensors", b"x"), ("pickle", good)]:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            t.addfile(info, io.BytesIO(data))
    write("legacy.tar", tbuf.getvalue())
    write("raw_p0.pkl", EVIL)
    write("raw_p2.bin", good)
    write("concatenated.pkl", good + EVIL)
    write("trailing.pkl", good + b"\n\n\t\t")
    write("object.npy", npy("|O", (1,), EVIL))
    write("structured_object.npy", npy([("a", "<i4"), ("b", "|O")], (1,), EVIL))
    write("plain.npy", npy("<f4", (2, 2), FLOATS))
    write("object.npz", std_zip([("a.npy", npy("|O", (1,), EVIL)), ("b.npy", npy("<f4", (2, 2), FLOATS))],
                                zipfile.ZIP_DEFLATED))
    st = {"__metadata__": {"format": "pt"},
          "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
          "b": {"dtype": "U8", "shape": [2], "data_offsets": [16, 18]}}
    write("good.safetensors", safetensors(st, FLOATS + b"\x01\x02"))
    write("dup.safetensors", safetensors(
        '{"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},'
        '"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}', b"abcd"))
    write("gap.safetensors", safetensors(
        {"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
         "b": {"dtype": "U8", "shape": [2], "data_offsets": [4, 6]}}, b"abcdef"))
    write("size.safetensors", safetensors(
        {"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"abcdefgh"))
    write("trailing.safetensors", safetensors(
        {"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}}, b"abXYZ"))
    write("pickle.gz", gzip.compress(EVIL, mtime=0))
    write("pickle.bz2", bz2.compress(good))
    write("pickle.xz", lzma.compress(good))
    conflict = collections.OrderedDict(
        a=Tensor(Storage("0", 4), 0, (4,), (1,)),
        b=Tensor(Storage("0", 2, LongStorage), 0, (2,), (1,)))
    write("dtype_conflict.pt", std_zip(torch_entries(pkl=torch_pickle(conflict))))
    oob = collections.OrderedDict(w=Tensor(Storage("0", 4), 2, (2, 2), (2, 1)))
    write("view_oob.pt", std_zip(torch_entries(pkl=torch_pickle(oob))))
    write("overlap.zip", hand_zip([{"name": "a.txt", "data": b"hello"},
                                   {"name": "b.txt", "data": b"hello", "at": 0}]))
    write("beyond_eof.zip", hand_zip([{"name": "a.txt", "data": b"hello", "csize": 1 << 20}]))
    enc = as_hand(torch_entries())
    enc[0]["flags"], enc[0]["method"] = 0x1, 8
    write("encrypted_deflate.pt", hand_zip(enc))
    write("case_records.pt", hand_zip([
        {"name": "archive/data.pkl", "data": good}, {"name": "archive/BYTEORDER", "data": b"little"},
        {"name": "archive/Data/0", "data": FLOATS}, {"name": "archive/VERSION", "data": b"3\n"}]))
    past = collections.OrderedDict(w=Tensor(Storage("0", 2), 0, (2, 2), (2, 1)))
    write("view_past_declared.pt", std_zip(torch_entries(pkl=torch_pickle(past))))
    write("legacy_eval_magic.pt", pickle.dumps(EvalMagic(), protocol=2)
          + legacy_stream()[len(pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)):])
    write("legacy_trailing.pt", legacy_stream() + EVIL)
    write("legacy_tar_walk.tar", legacy_tar(tar_members()))
    write("legacy_tar_cut.tar", legacy_tar(tar_members(storage_count=2)))
    write("npy_short.npy", npy("<f4", (4,), FLOATS[:12]))
    write("st_len_past_eof.safetensors", struct.pack("<Q", 1000) + b'{"a":{}}')
    write("zip_bomb.pt", std_zip(torch_entries(data=bytes(16 << 20)), zipfile.ZIP_DEFLATED))
    corpus()


def corpus():
    """Seeds and malformed inputs for the zip, npy and safetensors fuzz targets."""
    root = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "fuzz", "corpus"))
    read = lambda n: open(os.path.join(HERE, n), "rb").read()
    seeds = {
        "zip": ["torch_zip.pt", "torch_zip64.pt", "deflated.pt", "dup_data_pkl.pt",
                "case_data_pkl.pt", "name_mismatch.pt", "flag_bit.pt", "bad_crc.pt",
                "polyglot.pkl", "polyglot_abs.pt", "extra_pickle.pt", "torchscript.pt",
                "object.npz", "legacy.pt", "legacy.tar", "pickle.gz", "raw_p0.pkl"],
        "npy": ["object.npy", "structured_object.npy", "plain.npy"],
        "safetensors": ["good.safetensors", "dup.safetensors", "gap.safetensors",
                        "size.safetensors", "trailing.safetensors"],
    }
    malformed = {
        "zip": {
            "empty_eocd": struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0, 0, 0, 0, 0),
            "eocd_count_huge": struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 46, 0, 0),
            "cd_past_end": struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, 1000, 1000, 0),
            "truncated_torch": read("torch_zip.pt")[:400],
            "zip64_locator_bad": struct.pack("<IIQI", 0x07064B50, 0, 1 << 60, 1)
            + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0),
            "local_offset_huge": hand_zip([{"name": "a/data.pkl", "data": EVIL}])[:-22 - 4]
            + b"\xff\xff\xff\x7f" + hand_zip([{"name": "a/data.pkl", "data": EVIL}])[-22:],
        },
        "npy": {
            "bad_version": b"\x93NUMPY\x09\x00\x10\x00{}",
            "header_past_end": b"\x93NUMPY\x01\x00\xff\xff{'descr'",
            "eval_attempt": npy("<f4", (1,), b"")[:10] + b"{'descr': __import__('os'), }".ljust(54) + b"\n",
            "deep_nesting": b"\x93NUMPY\x01\x00\x00\x04" + b"(" * 1024,
            "v2_huge_len": b"\x93NUMPY\x02\x00\xff\xff\xff\xff",
            "negative_shape": npy("<f4", (-1,), b""),
        },
        "safetensors": {
            "huge_n": struct.pack("<Q", 1 << 62) + b"{}",
            "n_past_end": struct.pack("<Q", 100) + b"{}",
            "not_utf8": struct.pack("<Q", 4) + b"{\xff}\x00",
            "not_object": safetensors("[1,2]", b""),
            "overflow_shape": safetensors({"a": {"dtype": "F64", "shape": [1 << 62, 1 << 62],
                                                 "data_offsets": [0, 0]}}, b""),
            "reversed": safetensors({"a": {"dtype": "U8", "shape": [2], "data_offsets": [2, 0]}}, b"ab"),
            "deep": safetensors("[" * 200 + "]" * 200, b""),
            "meta_not_str": safetensors({"__metadata__": {"a": 1}}, b""),
            "sub_byte": safetensors({"a": {"dtype": "F4", "shape": [3], "data_offsets": [0, 1]}}, b"a"),
        },
    }
    for target, names in seeds.items():
        d = os.path.join(root, target)
        os.makedirs(d, exist_ok=True)
        for n in names:
            with open(os.path.join(d, "seed_" + n), "wb") as f:
                f.write(read(n))
        for n, data in malformed[target].items():
            with open(os.path.join(d, "bad_" + n), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
