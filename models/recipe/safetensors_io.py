"""The safetensors format (8-byte little-endian header size, JSON header, raw little-endian data),
written by hand because the `safetensors` wheel is not installable here. fp32 only: all the recipe needs.
torch is imported only where torch tensors are made or read, so numpy-only readers (gguf_export.py) run without it."""
import json
import struct

import numpy as np


def save(tensors, path):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        arr = tensors[name].detach().cpu().float().contiguous().numpy().astype("<f4")
        blob = arr.tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    header["__metadata__"] = {"format": "pt"}
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)  # data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for blob in blobs:
            f.write(blob)


def load(path):
    import torch
    return {name: torch.from_numpy(arr) for name, arr in load_arrays(path).items()}


def load_arrays(path):
    """The tensors as numpy arrays, by name."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        raw = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != "F32":
            raise ValueError("only F32 tensors are supported, %s is %s" % (name, meta["dtype"]))
        start, end = meta["data_offsets"]
        out[name] = np.frombuffer(raw[start:end], dtype="<f4").reshape(meta["shape"]).copy()
    return out
