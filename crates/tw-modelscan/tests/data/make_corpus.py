#!/usr/bin/env python3
"""Writes the malformed-input corpora of the repository-level readers (README.md here):
`fuzz/corpus/index/` (Hugging Face `*.index.json`), `fuzz/corpus/dcp_metadata/` (DCP
`.metadata`), `fuzz/corpus/config/` (torchward.toml / pyproject.toml) and
`fuzz/corpus/modelscan/` (Git LFS pointers, nested pickles).

Run from anywhere with the torch venv (the DCP cases re-pickle the committed DCP fixture's
`.metadata` with torch's own classes; nothing hostile is ever loaded):

    /work/venv-torch/bin/python crates/tw-modelscan/tests/data/make_corpus.py
"""
import copy
import json
import pickle
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
FUZZ = ROOT / "fuzz" / "corpus"
GOOD_INDEX = ROOT / "fixtures/frameworks/sharded/pytorch_model.bin.index.json"
GOOD_METADATA = ROOT / "fixtures/frameworks/dcp/.metadata"
# What torch.distributed.checkpoint writes with (`pickle.dump` default).
PROTOCOL = pickle.DEFAULT_PROTOCOL


def write(target: str, name: str, data) -> None:
    out = FUZZ / target
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (out / name).write_bytes(data)


def index_cases() -> None:
    good = GOOD_INDEX.read_bytes()
    parsed = json.loads(good)
    weight_map = parsed["weight_map"]
    first_tensor, first_shard = next(iter(weight_map.items()))

    def with_map(entries: str, metadata: str = '{"total_size": 1}') -> str:
        return '{"metadata": %s, "weight_map": {%s}}' % (metadata, entries)

    good_entries = ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in weight_map.items())
    write("index", "seed_good.json", good)
    write("index", "bad_truncated.json", good[: len(good) // 2])
    write("index", "bad_empty.json", b"")
    write("index", "bad_not_utf8.json", b'{"weight_map": {"\xff\xfe": "a.bin"}}')
    write("index", "bad_top_level_list.json", "[1, 2, 3]")
    write("index", "bad_no_weight_map.json", '{"metadata": {"total_size": 1}}')
    write("index", "bad_weight_map_list.json", '{"weight_map": ["a", "b"]}')
    write("index", "bad_value_not_string.json", with_map(f'{json.dumps(first_tensor)}: 3'))
    write("index", "bad_value_null.json", with_map(f'{json.dumps(first_tensor)}: null'))
    write("index", "bad_value_object.json", with_map(f'{json.dumps(first_tensor)}: {{"a": 1}}'))
    # 10,000 levels in the metadata the checks never read.
    write("index", "bad_deep_metadata.json", with_map(good_entries, "[" * 10000 + "]" * 10000))
    write("index", "bad_deep_value.json", with_map(f'"t": ' + "[" * 10000 + "]" * 10000))
    write("index", "ok_huge_total_size.json", with_map(good_entries, '{"total_size": 1073741824}'))
    write("index", "ok_huge_exponent.json", with_map(good_entries, '{"total_size": 1e999999}'))
    write("index", "ok_long_integer.json", with_map(good_entries, '{"total_size": ' + "9" * 400 + "}"))
    write("index", "bad_dotdot.json", with_map(f'"t": "../{first_shard}"'))
    write("index", "bad_absolute.json", with_map('"t": "/etc/passwd"'))
    write("index", "bad_nul.json", with_map(f'"t": "{first_shard}\\u0000.txt"'))
    write("index", "bad_duplicate_tensor.json",
          with_map(f'{json.dumps(first_tensor)}: "{first_shard}", {good_entries}'.replace(
              f'{json.dumps(first_tensor)}: "{first_shard}"', f'{json.dumps(first_tensor)}: "pytorch_model-00002-of-00002.bin"', 1)))
    write("index", "bad_duplicate_weight_map.json",
          '{"weight_map": {"t": "a.bin"}, "weight_map": {%s}}' % good_entries)
    write("index", "bad_long_shard_name.json", with_map('"t": "%s.bin"' % ("a" * 5000)))
    write("index", "bad_long_tensor_name.json", with_map('"%s": "%s"' % ("t" * 5000, first_shard)))
    write("index", "bad_trailing_garbage.json", good + b"\n{}")


def dcp_cases() -> None:
    import torch  # noqa: F401  (the classes .metadata names)
    from torch.distributed.checkpoint.filesystem import _StorageInfo

    good = GOOD_METADATA.read_bytes()
    metadata = pickle.loads(good)  # the committed fixture torch itself wrote
    write("dcp_metadata", "seed_good.metadata", good)
    write("dcp_metadata", "bad_not_pickle.metadata", "this is not a pickle\n")
    write("dcp_metadata", "bad_empty.metadata", b"")
    write("dcp_metadata", "bad_truncated.metadata", good[: len(good) // 2])

    def storage(change) -> bytes:
        md = copy.deepcopy(metadata)
        items = sorted(md.storage_data.items(), key=lambda kv: kv[1].offset)
        change(md, items)
        return pickle.dumps(md, protocol=PROTOCOL)

    def set_info(md, key, **fields) -> None:
        info = md.storage_data[key]
        values = dict(relative_path=info.relative_path, offset=info.offset, length=info.length)
        values.update(fields)
        md.storage_data[key] = _StorageInfo(**values)

    last = lambda md, items: items[-1][0]  # noqa: E731
    write("dcp_metadata", "bad_offset_past_eof.metadata",
          storage(lambda md, items: set_info(md, last(md, items), offset=10**6)))
    write("dcp_metadata", "bad_length_past_eof.metadata",
          storage(lambda md, items: set_info(md, last(md, items), length=items[-1][1].length + 1)))
    write("dcp_metadata", "bad_negative_length.metadata",
          storage(lambda md, items: set_info(md, last(md, items), length=-1)))
    write("dcp_metadata", "bad_negative_offset.metadata",
          storage(lambda md, items: set_info(md, items[0][0], offset=-5)))
    write("dcp_metadata", "bad_overflowing_offset.metadata",
          storage(lambda md, items: set_info(md, last(md, items), offset=2**64 + 7)))
    write("dcp_metadata", "bad_offset_plus_length_overflows.metadata",
          storage(lambda md, items: set_info(md, last(md, items), offset=2**63 - 1, length=2**63 - 1)))
    write("dcp_metadata", "bad_overlapping_items.metadata",
          storage(lambda md, items: set_info(md, items[1][0], offset=items[1][1].offset - 10)))
    write("dcp_metadata", "bad_offset_not_int.metadata",
          storage(lambda md, items: set_info(md, last(md, items), offset="0")))

    def chunk_sizes(sizes):
        def change(md, items):
            tensor = md.state_dict_metadata["model.embedding.weight"]
            tensor.chunks[0].sizes = torch.Size(sizes)
        return change

    write("dcp_metadata", "bad_negative_chunk_size.metadata", storage(chunk_sizes([-8, 4])))
    write("dcp_metadata", "bad_huge_chunk_size.metadata", storage(chunk_sizes([2**62, 2**62])))

    # The right data but under a class DCP does not write (a stand-in module's Metadata).
    class Metadata:  # noqa: D401 - stand-in pickled by reference as make_corpus.Metadata
        pass

    Metadata.__module__ = "make_corpus"
    Metadata.__qualname__ = "Metadata"
    sys.modules["make_corpus"] = sys.modules[__name__]
    globals()["Metadata"] = Metadata
    wrong = Metadata()
    wrong.__dict__.update(copy.deepcopy(metadata).__dict__)
    write("dcp_metadata", "bad_wrong_class.metadata", pickle.dumps(wrong, protocol=PROTOCOL))
    # Plain data in DCP's shape, but no classes at all.
    write("dcp_metadata", "bad_plain_dict.metadata",
          pickle.dumps({"state_dict_metadata": {}, "storage_data": {}}, protocol=PROTOCOL))


def config_cases() -> None:
    c = lambda name, text: write("config", name, text)  # noqa: E731
    c("seed_good.torchward.toml",
      'profiles = ["megatron"]\nselect = ["TW1"]\nfail-on = "high"\n\n[per-path-ignores]\n"tests/**" = ["TW608"]\n')
    c("seed_good.pyproject.toml",
      '[project]\nname = "x"\n\n[tool.torchward]\nprofiles = ["megatron"]\n')
    c("bad_not_toml.torchward.toml", 'profiles = ["megatron"\n')
    c("bad_unknown_key.torchward.toml", 'profiles = []\nfial-on = "high"\n')
    c("bad_unknown_key.pyproject.toml", '[tool.torchward]\nfial-on = "high"\n')
    c("bad_unknown_nested_key.torchward.toml", '[per-path-ignores]\n"tests/**" = ["TW608"]\n\n[extra]\na = 1\n')
    c("bad_wrong_type.torchward.toml", 'profiles = 3\n')
    c("bad_wrong_type.pyproject.toml", '[tool.torchward]\nprofiles = "megatron"\n')
    c("bad_wrong_item_type.torchward.toml", 'select = ["TW1", 7]\n')
    c("bad_fail_on_type.torchward.toml", 'fail-on = ["high"]\n')
    c("bad_per_path_type.torchward.toml", 'per-path-ignores = ["tests/**"]\n')
    c("bad_tool_not_table.pyproject.toml", '[project]\nname = "x"\n[tool]\ntorchward = 1\n')
    c("ok_no_table.pyproject.toml", '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 99\n')
    c("bad_duplicate_key.torchward.toml", 'fail-on = "high"\nfail-on = "low"\n')
    c("bad_deep_array.torchward.toml", "profiles = " + "[" * 5000 + "]" * 5000 + "\n")
    c("bad_deep_inline_table.torchward.toml", "x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n")
    c("bad_huge_integer.torchward.toml", "profiles = [" + "9" * 400 + "]\n")
    c("bad_nul.torchward.toml", 'profiles = ["mega\x00tron"]\n')
    c("bad_not_utf8.torchward.toml", b'profiles = ["\xff"]\n')
    c("bad_unknown_profile.torchward.toml", 'profiles = ["everything"]\n')
    c("bad_bad_glob.torchward.toml", '[per-path-ignores]\n"tests/[" = ["TW608"]\n')


def modelscan_cases() -> None:
    """Git LFS pointers (git-lfs docs/spec.md) and pickles nested in `io.BytesIO` objects."""
    import io

    oid = "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    spec = "version https://git-lfs.github.com/spec/v1\n"
    m = lambda name, data: write("modelscan", name, data)  # noqa: E731
    m("lfs_pointer", spec + oid + "size 12345\n")
    m("lfs_no_oid", spec + "size 12345\n")
    m("lfs_crlf", spec.replace("\n", "\r\n") + oid.replace("\n", "\r\n") + "size 1\r\n")
    m("lfs_over_1024_bytes", spec + oid + "size 1\n" + "x" * 1000 + "\n")
    m("lfs_nul", spec + oid.replace("4d7a", "4d\x00a") + "size 1\n")
    m("lfs_truncated", spec[:20])

    class Payload:  # pickled as posix.system("true"): never called, only named
        def __reduce__(self):
            import os
            return (os.system, ("true",))

    def nest(levels: int, inner: bytes) -> bytes:
        data = inner
        for _ in range(levels):
            data = pickle.dumps({"_extra_state": io.BytesIO(data)}, protocol=2)
        return data

    m("nested_1_payload", nest(1, pickle.dumps(Payload(), protocol=2)))
    m("nested_3_plain", nest(3, pickle.dumps({"a": 1}, protocol=2)))
    m("nested_5_payload", nest(5, pickle.dumps(Payload(), protocol=2)))
    m("nested_not_pickle", nest(1, b"not a pickle at all"))
    m("nested_truncated", nest(1, pickle.dumps({"a": [1, 2, 3]}, protocol=2)[:-4]))


if __name__ == "__main__":
    index_cases()
    dcp_cases()
    config_cases()
    modelscan_cases()
