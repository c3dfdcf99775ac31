#!/usr/bin/env python3
"""Writes the pickle fixtures of tw-pickle's tests with CPython's own `pickle` module.

Run from this directory: `python3 make.py`. Nothing here is ever unpickled; the torch-shaped
pickles use stand-in modules registered under torch's names so that `pickle` writes exactly the
globals and persistent ids `torch.save` writes (protocol 2 data.pkl), without torch installed.

Each file and what it proves:
- nested_p{0..5}.pkl: one nested value (ints, big int, floats, text, bytes, tuples, lists, dicts,
  sets, frozenset, bytearray, None/bools, shared reference) in every protocol: every opcode family.
- oob_p5.pkl: protocol 5 out-of-band buffers (NEXT_BUFFER, READONLY_BUFFER).
- state_dict.pkl: a torch.save-shaped data.pkl (OrderedDict of _rebuild_tensor_v2 tensors, a
  parameter, a shared storage, nested optimizer state, torch.Size, torch.device, dtype global).
- reduce_os_system.pkl: `os.system("echo pwned")` via __reduce__ (imports posix.system).
- concatenated.pkl: two pickles back to back followed by trailing bytes.

`python3 make.py --corpus DIR` also writes the fuzz seeds: the files above plus malformed and
hostile inputs from the attack catalogue (research §3 items 20, 21, 26-30, 32).
"""

import collections
import os
import pickle
import sys
import types


def fake_module(name):
    module = types.ModuleType(name)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


def install_fake_torch():
    torch = fake_module("torch")
    utils = fake_module("torch._utils")
    nn = fake_module("torch.nn")
    parameter = fake_module("torch.nn.parameter")

    def named(module, name, obj):
        obj.__module__ = module.__name__
        obj.__qualname__ = name
        obj.__name__ = name
        setattr(module, name, obj)
        return obj

    def _rebuild_tensor_v2(*args):
        raise AssertionError("never called")

    def _rebuild_parameter(*args):
        raise AssertionError("never called")

    named(utils, "_rebuild_tensor_v2", _rebuild_tensor_v2)
    named(utils, "_rebuild_parameter", _rebuild_parameter)
    float_storage = named(torch, "FloatStorage", type("FloatStorage", (), {}))
    long_storage = named(torch, "LongStorage", type("LongStorage", (), {}))
    size = named(torch, "Size", type("Size", (tuple,), {}))
    device = named(torch, "device", type("device", (), {}))
    float16 = named(torch, "float16", type("float16", (), {}))
    named(parameter, "Parameter", type("Parameter", (), {}))
    return torch, utils, float_storage, long_storage, size, device, float16


class Storage:
    def __init__(self, cls, key, numel):
        self.cls, self.key, self.numel = cls, key, numel


class Tensor:
    def __init__(self, storage, offset, shape, stride):
        self.storage, self.offset, self.shape, self.stride = storage, offset, shape, stride

    def __reduce__(self):
        return (
            sys.modules["torch._utils"]._rebuild_tensor_v2,
            (self.storage, self.offset, tuple(self.shape), tuple(self.stride), False,
             collections.OrderedDict()),
        )


class Parameter:
    def __init__(self, tensor):
        self.tensor = tensor

    def __reduce__(self):
        return (sys.modules["torch._utils"]._rebuild_parameter,
                (self.tensor, True, collections.OrderedDict()))


class Size:
    def __init__(self, dims):
        self.dims = dims

    def __reduce__(self):
        return (sys.modules["torch"].Size, (tuple(self.dims),))


class Device:
    def __init__(self, kind, index):
        self.kind, self.index = kind, index

    def __reduce__(self):
        return (sys.modules["torch"].device, (self.kind, self.index))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.cls, obj.key, "cpu", obj.numel)
        return None


class System:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def nested_value():
    shared = [1, 2]
    return {
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -(2**31), 2**31 - 1, 2**40, -(2**63)],
        "big": 2**100,
        "negbig": -(2**70),
        "floats": [0.5, -2.25, 1e300],
        "text": ["", "ascii", "caf\u00e9", "\u4e2d\u6587", "x" * 300],
        "bytes": [b"", b"\x00\xff", b"y" * 300],
        "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
        "consts": [None, True, False],
        "set": {1, 2, 3},
        "frozen": frozenset({4}),
        "bytearray": bytearray(b"ba"),
        "shared": (shared, shared),
        7: "int key",
    }


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


def main():
    for protocol in range(6):
        write(f"nested_p{protocol}.pkl", pickle.dumps(nested_value(), protocol=protocol))

    buffers = []
    oob = pickle.dumps(
        [pickle.PickleBuffer(b"abc"), pickle.PickleBuffer(bytearray(b"de"))],
        protocol=5,
        buffer_callback=lambda b: buffers.append(b) or False,
    )
    write("oob_p5.pkl", oob)

    torch, utils, float_storage, long_storage, size, device, float16 = install_fake_torch()
    s0 = Storage(float_storage, "0", 12)
    s1 = Storage(long_storage, "1", 1)
    weight = Tensor(s0, 0, [3, 4], [4, 1])
    state = collections.OrderedDict()
    state["model.layers.0.weight"] = weight
    state["model.layers.0.bias"] = Tensor(s0, 8, [4], [1])
    state["model.emb"] = Parameter(Tensor(s0, 0, [2, 2], [1, 2]))
    state["step"] = Tensor(s1, 0, [], [])
    state["optimizer"] = {"state": {0: {"exp_avg": weight, "lr": 0.001}}, "param_groups": [1, "x"]}
    state["meta"] = {"shape": Size([3, 4]), "device": Device("cuda", 0), "dtype": float16}
    buf = __import__("io").BytesIO()
    TorchPickler(buf, protocol=2).dump(state)
    write("state_dict.pkl", buf.getvalue())

    write("reduce_os_system.pkl", pickle.dumps(System(), protocol=2))
    write("concatenated.pkl", pickle.dumps(1, protocol=2) + pickle.dumps("two", protocol=4) + b"\n\n\t")


def corpus(directory):
    os.makedirs(directory, exist_ok=True)
    for name in sorted(os.listdir(".")):
        if name.endswith(".pkl"):
            with open(name, "rb") as f:
                write(os.path.join(directory, "seed_" + name[:-4]), f.read())
    hostile = {
        "billion_laughs": b"\x80\x02]q\x00" + (b"(" + b"h\x00" * 10 + b"lq\x00") * 40 + b".",
        "deep_marks": b"(" * 20000 + b".",
        "deep_tuples": b"N" + b"\x85" * 5000 + b".",
        "binunicode_huge": b"X\xff\xff\xff\xffabcd.",
        "binbytes8_huge": b"\x8e" + b"\xff" * 8 + b".",
        "frame_crossing": b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00X\x03\x00\x00\x00abc.",
        "frame_nested": b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00\x95\x00\x00\x00\x00\x00\x00\x00\x00.",
        "stack_global_memo": b"\x80\x04\x8c\x07pathlibq\x000\x8c\tos.systemq\x010h\x00h\x01\x93\x8c\x02id\x85R.",
        "stack_global_ints": b"\x80\x04K\x01K\x02\x93).",
        "stack_global_missing_memo": b"\x80\x04h\x05h\x06\x93.",
        "inst_pop": b"(S'id'\nios\nsystem\n0N.",
        "obj_eval": b"(cbuiltins\neval\nS'1'\no.",
        "newobj_ex": b"\x80\x04cbuiltins\nobject\n)}\x92.",
        "ext_codes": b"\x80\x02\x82\x05\x83\x06\x00\x84\x07\x00\x00\x00\x87.",
        "setitem_on_tensor": b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n)RK\x00K\x01s.",
        "append_cycle": b"]q\x00h\x00a.",
        "persid_module": b"(X\x06\x00\x00\x00moduleK\x01tQ.",
        "persid_text": b"Pstorage\n.",
        "odd_setitems": b"}(K\x01u.",
        "negative_binstring": b"T\xff\xff\xff\xff.",
        "bad_proto": b"\x80\x09N.",
        "unknown_opcode": b"N\xff.",
        "truncated_global": b"cos\nsys",
        "no_stop": b"\x80\x02N",
        "invalid_after_call": b"cos\nsystem\n(S'id'\ntR\xff",
        "surrogate": b"X\x03\x00\x00\x00\xed\xa0\x80.",
        "long_binput_huge": b"Nr\xff\xff\xff\xffj\xff\xff\xff\xff.",
        "readonly_buffer": b"\x80\x05\x97\x98.",
        "text_ops": b"(I01\nL12L\nF1.5\nS'a\\x41'\nVcaf\\u00e9\np0\ng0\nl.",
    }
    for name, data in hostile.items():
        write(os.path.join(directory, name), data)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--corpus":
        corpus(sys.argv[2])
    else:
        main()
