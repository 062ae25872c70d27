"""Writes a model directory as one GGUF file, llama.cpp's format, so that llama.cpp runs the same weights as model.onnx.

    /usr/bin/python3 models/recipe/gguf_export.py --model-dir models/reason-mini --type q8_0 --out build/gguf/reason-mini-Q8_0.gguf

Reads model.safetensors (the weights export.py and random_model.py also wrote model.onnx from), config.json and the
tokenizer files. The file follows the GGUF specification (ggml's docs/gguf.md, version 3) with the names llama.cpp
reads: general.* and <arch>.* metadata, tensors token_embd, blk.N.attn_q ... output, and the tokenizer.

  architectures  llama and qwen2 (config.json's model_type). llama.cpp rotates a Llama head's dimensions in adjacent
                 pairs (2i, 2i+1) where Hugging Face pairs i with i + d/2, so Llama's q and k rows are reordered to
                 match; for Qwen2 llama.cpp uses Hugging Face's pairing and nothing is reordered.
  tokenizer      the recipe's character vocabulary (a BPE model without merges, every token one character), written as
                 llama.cpp's SentencePiece-style 'llama' vocabulary with no space prefix: each character is a token
                 and a space is spelled U+2581, so llama.cpp splits text exactly as tokenizer.json does. Special tokens
                 are control tokens; ids past the vocabulary up to vocab_size are unused placeholders. There is no
                 byte fallback: llama.cpp stops on a character outside the vocabulary, which tokenizer.json reads as
                 <unk>.
  --type         f32: every tensor fp32. f16 and q8_0: the matrices in half precision, or in ggml's Q8_0 (blocks of
                 32 values: an fp16 scale and 32 int8s); norms and biases stay fp32, and so does a q8_0 matrix whose
                 rows are not whole blocks.
Needs only numpy. Exit codes: 2 bad arguments, 3 a file missing or unreadable, 4 a model this exporter does not handle.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

import safetensors_io

GGUF_VERSION = 3
ALIGNMENT = 32
QK8_0 = 32  # values in one Q8_0 block
QUANTIZATION_VERSION = 2  # ggml's GGML_QNT_VERSION, the Q8_0 layout written here
Q8_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "i1", (QK8_0,))])  # ggml's block_q8_0: 34 bytes

# metadata value types (gguf_metadata_value_type)
UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY = 4, 5, 6, 7, 8, 9
# tensor types (ggml_type) and the file types (general.file_type) they make
TENSOR_TYPE = {"f32": 0, "f16": 1, "q8_0": 8}
FILE_TYPE = {"f32": 0, "f16": 1, "q8_0": 7}
# token types (tokenizer.ggml.token_type)
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED = 1, 2, 3, 4, 5
SPACE = "\u2581"  # how a SentencePiece vocabulary spells a space

ARCHITECTURES = ("llama", "qwen2")
LAYER_TENSORS = {  # Hugging Face name within a layer -> llama.cpp's name within blk.N
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.q_proj.bias": "attn_q.bias",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.k_proj.bias": "attn_k.bias",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.v_proj.bias": "attn_v.bias",
    "self_attn.o_proj.weight": "attn_output.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}
TOP_TENSORS = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
               "lm_head.weight": "output.weight"}


class ExportError(Exception):
    """Bad input: the message is the one line printed, the code the exit status."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def missing(message):
    return ExportError(3, message)


def unsupported(message):
    return ExportError(4, message)


def read_json(model_dir, name):
    path = os.path.join(model_dir, name)
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise missing("cannot read %s: %s" % (path, e.strerror))
    except ValueError as e:
        raise missing("%s is not JSON: %s" % (path, e))


# ---- the tensors ----

def gguf_name(hf_name):
    if hf_name in TOP_TENSORS:
        return TOP_TENSORS[hf_name]
    parts = hf_name.split(".", 3)
    if len(parts) == 4 and parts[:2] == ["model", "layers"] and parts[2].isdigit() and parts[3] in LAYER_TENSORS:
        return "blk.%s.%s" % (parts[2], LAYER_TENSORS[parts[3]])
    raise unsupported("model.safetensors has %s, which has no llama.cpp name here" % hf_name)


def adjacent_rotary_pairs(rows, heads):
    """Reorders each head's rows from Hugging Face's rotary pairing (i, i + d/2) to llama.cpp's (2i, 2i+1): row j of
    the first half goes to 2j, row j of the second half to 2j + 1. Works on weights [heads*d, in] and biases."""
    d = rows.shape[0] // heads
    shaped = rows.reshape(heads, 2, d // 2, *rows.shape[1:])
    return shaped.swapaxes(1, 2).reshape(rows.shape)


def q8_0(matrix):
    """ggml's Q8_0 blocks of a matrix's rows: per 32 values, scale d = max|x| / 127 (stored fp16) and round(x / d)."""
    blocks = matrix.reshape(-1, QK8_0).astype(np.float32)
    d = np.abs(blocks).max(axis=1) / 127.0
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d > 0)
    scaled = blocks * inv[:, None]
    q = (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int8)  # round half away from zero, as C's roundf
    out = np.empty(len(blocks), dtype=Q8_0_BLOCK)
    out["d"], out["qs"] = d.astype(np.float16), q
    return out


def tensor_type(array, kind):
    """The ggml type a tensor is stored in: 1-D tensors (norms, biases) always stay fp32."""
    if array.ndim == 1 or kind == "q8_0" and array.shape[-1] % QK8_0:
        return TENSOR_TYPE["f32"]
    return TENSOR_TYPE[kind]


def nbytes(array, ttype):
    if ttype == TENSOR_TYPE["q8_0"]:
        return array.size // QK8_0 * Q8_0_BLOCK.itemsize
    return array.size * (4 if ttype == TENSOR_TYPE["f32"] else 2)


def encode(array, ttype):
    if ttype == TENSOR_TYPE["f32"]:
        return array.astype("<f4").tobytes()
    if ttype == TENSOR_TYPE["f16"]:
        return array.astype("<f2").tobytes()
    return q8_0(array).tobytes()


def tensors(model_dir, cfg, arch):
    """(gguf name, numpy array in Hugging Face's [out, in] layout) for every weight, in the file's order."""
    path = os.path.join(model_dir, "model.safetensors")
    if not os.path.isfile(path):
        raise missing("%s is missing: the exporter reads the weights from it" % path)
    try:
        state = safetensors_io.load_arrays(path)
    except (OSError, ValueError) as e:
        raise missing("cannot read %s: %s" % (path, e))
    heads, kv_heads = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    out = []
    for hf_name in sorted(state, key=tensor_order):
        array = state.pop(hf_name)
        if arch == "llama" and (".q_proj." in hf_name or ".k_proj." in hf_name):
            array = adjacent_rotary_pairs(array, heads if ".q_proj." in hf_name else kv_heads)
        out.append((gguf_name(hf_name), array))
    return out


def tensor_order(hf_name):
    """Embedding first, then the layers in number order, then the final norm and lm_head: as llama.cpp lists them."""
    parts = hf_name.split(".")
    if parts[:2] == ["model", "layers"] and len(parts) > 2 and parts[2].isdigit():
        return 1, int(parts[2]), hf_name
    return (0 if hf_name == "model.embed_tokens.weight" else 2), 0, hf_name


# ---- the tokenizer ----

def vocabulary(model_dir, vocab_size):
    """tokenizer.* metadata for the recipe's character vocabulary (see the module docstring)."""
    tok = read_json(model_dir, "tokenizer.json")
    tok_config = read_json(model_dir, "tokenizer_config.json")
    model = tok.get("model") or {}
    if model.get("type") != "BPE" or model.get("merges") or tok.get("pre_tokenizer") or tok.get("normalizer"):
        raise unsupported("tokenizer.json is not a character vocabulary (a BPE model without merges, pre-tokenizer or "
                          "normalizer): llama.cpp would split text differently")
    texts = {i: t for t, i in model.get("vocab", {}).items()}
    added = {a["id"]: a for a in tok.get("added_tokens", [])}
    texts.update({i: a["content"] for i, a in added.items()})
    if max(texts) >= vocab_size:
        raise unsupported("tokenizer.json has id %d, past config.json's vocab_size %d" % (max(texts), vocab_size))
    unk = tok_config.get("unk_token")
    tokens, types = [], []
    for i in range(vocab_size):
        text = texts.get(i)
        if text is None:
            tokens.append("[PAD%d]" % i)
            types.append(UNUSED)
        elif i in added:
            tokens.append(text)
            types.append(UNKNOWN if text == unk else CONTROL if added[i].get("special") else USER_DEFINED)
        elif len(text) == 1 and text != SPACE:
            tokens.append(SPACE if text == " " else text)
            types.append(NORMAL)
        else:
            raise unsupported("token %d (%r) is not one character: only character vocabularies are exported" % (i, text))
    ids = {t: i for i, t in texts.items()}
    meta = [("tokenizer.ggml.model", STRING, "llama"),
            ("tokenizer.ggml.tokens", (ARRAY, STRING), tokens),
            ("tokenizer.ggml.token_type", (ARRAY, INT32), types),
            ("tokenizer.ggml.add_space_prefix", BOOL, False),
            ("tokenizer.ggml.add_bos_token", BOOL, bool(tok_config.get("add_bos_token", False))),
            ("tokenizer.ggml.add_eos_token", BOOL, bool(tok_config.get("add_eos_token", False)))]
    for role, key in (("bos", "bos"), ("eos", "eos"), ("unk", "unknown"), ("pad", "padding")):
        text = tok_config.get(role + "_token")
        if isinstance(text, dict):  # transformers also writes an AddedToken as {"content": ...}
            text = text.get("content")
        if text is not None:
            if text not in ids:
                raise unsupported("tokenizer_config.json's %s_token %r is not in tokenizer.json" % (role, text))
            meta.append(("tokenizer.ggml.%s_token_id" % key, UINT32, ids[text]))
    if tok_config.get("chat_template"):
        meta.append(("tokenizer.chat_template", STRING, tok_config["chat_template"]))
    return meta


# ---- the file ----

def architecture(model_dir, name, kind):
    """config.json, the architecture, and general.* and <arch>.* metadata."""
    cfg = read_json(model_dir, "config.json")
    arch = cfg.get("model_type")
    if arch not in ARCHITECTURES:
        raise unsupported("config.json's model_type is %r: the exporter writes %s" % (arch, " and ".join(ARCHITECTURES)))
    try:
        hidden, heads = cfg["hidden_size"], cfg["num_attention_heads"]
        head_dim = cfg.get("head_dim") or hidden // heads
        theta = cfg.get("rope_theta", (cfg.get("rope_parameters") or {}).get("rope_theta"))
        meta = [("general.architecture", STRING, arch),
                ("general.name", STRING, name),
                ("general.alignment", UINT32, ALIGNMENT),
                ("general.file_type", UINT32, FILE_TYPE[kind]),
                (arch + ".vocab_size", UINT32, cfg["vocab_size"]),
                (arch + ".context_length", UINT32, cfg["max_position_embeddings"]),
                (arch + ".embedding_length", UINT32, hidden),
                (arch + ".block_count", UINT32, cfg["num_hidden_layers"]),
                (arch + ".feed_forward_length", UINT32, cfg["intermediate_size"]),
                (arch + ".attention.head_count", UINT32, heads),
                (arch + ".attention.head_count_kv", UINT32, cfg.get("num_key_value_heads", heads)),
                (arch + ".attention.key_length", UINT32, head_dim),
                (arch + ".attention.value_length", UINT32, head_dim),
                (arch + ".attention.layer_norm_rms_epsilon", FLOAT32, cfg["rms_norm_eps"]),
                (arch + ".rope.dimension_count", UINT32, head_dim),
                (arch + ".rope.freq_base", FLOAT32, 10000.0 if theta is None else theta)]
    except KeyError as e:
        raise unsupported("config.json has no %s" % e)
    if cfg.get("rope_scaling") or (cfg.get("rope_parameters") or {}).get("rope_type", "default") != "default":
        raise unsupported("config.json scales its rope: the exporter writes unscaled rope only")
    if kind == "q8_0":
        meta.append(("general.quantization_version", UINT32, QUANTIZATION_VERSION))
    cfg.setdefault("num_key_value_heads", heads)
    return cfg, arch, meta


def string(text):
    raw = text.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw


SCALAR = {UINT32: "<I", INT32: "<i", FLOAT32: "<f", BOOL: "<?"}


def value(vtype, v):
    """A metadata value's bytes: a scalar, a string, or an (ARRAY, element type) list."""
    if isinstance(vtype, tuple):
        _, element = vtype
        body = b"".join(string(x) for x in v) if element == STRING else np.asarray(v, SCALAR[element]).tobytes()
        return struct.pack("<IQ", element, len(v)) + body
    return string(v) if vtype == STRING else struct.pack(SCALAR[vtype], v)


def padding(n):
    return b"\0" * (-n % ALIGNMENT)


def write(path, meta, stored):
    """Header, metadata, tensor infos (ggml's dimension order: the fastest-varying first), then the aligned data,
    each tensor encoded as it is written."""
    head = bytearray(b"GGUF" + struct.pack("<IQQ", GGUF_VERSION, len(stored), len(meta)))
    for key, vtype, v in meta:
        head += string(key) + struct.pack("<I", vtype[0] if isinstance(vtype, tuple) else vtype) + value(vtype, v)
    offset = 0
    for name, array, ttype in stored:
        head += string(name) + struct.pack("<I", array.ndim) + struct.pack("<%dQ" % array.ndim, *reversed(array.shape))
        head += struct.pack("<IQ", ttype, offset)
        offset += nbytes(array, ttype) + len(padding(nbytes(array, ttype)))
    head += padding(len(head))
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(head)
        for _, array, ttype in stored:
            data = encode(array, ttype)
            f.write(data)
            f.write(padding(len(data)))
    os.replace(tmp, path)


def export(model_dir, kind, out):
    model_dir = model_dir.rstrip("/")
    cfg, arch, meta = architecture(model_dir, os.path.basename(model_dir) or model_dir, kind)
    meta += vocabulary(model_dir, cfg["vocab_size"])
    stored = [(name, array, tensor_type(array, kind)) for name, array in tensors(model_dir, cfg, arch)]
    if os.path.dirname(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
    write(out, meta, stored)
    kept = sum(1 for _, array, t in stored if array.ndim == 2 and t == TENSOR_TYPE["f32"])
    note = ", %d matrices kept fp32 (rows not whole blocks of %d)" % (kept, QK8_0) if kind != "f32" and kept else ""
    print("wrote %s: %s, %s, %d tensors, %.1f MiB%s" % (out, arch, kind.upper(), len(stored),
                                                       os.path.getsize(out) / 2 ** 20, note))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", required=True, help="a directory with model.safetensors, config.json, tokenizer files")
    ap.add_argument("--type", choices=sorted(TENSOR_TYPE), default="f32", help="the matrices' type (default f32)")
    ap.add_argument("--out", required=True, help="the .gguf file to write")
    args = ap.parse_args()
    try:
        export(args.model_dir, args.type, args.out)
    except ExportError as e:
        print("gguf_export: %s" % e, file=sys.stderr)
        sys.exit(e.code)


if __name__ == "__main__":
    main()
