"""The recipe's decoder as an ONNX graph written node by node with onnx.helper, without torch.onnx.export.

    /usr/bin/python3 models/recipe/onnx_graph.py --model-dir DIR --out FILE.onnx

export.py and random_model.py export through torch's TorchScript-based exporter, which torch has deprecated
(torch 2.9 made its dynamo exporter the default, and that one's graph differs). When that exporter is missing or
fails they build the same computation here instead (`--exporter onnx` asks for it): the Optimum decoder I/O
(input_ids, attention_mask, position_ids, past_key_values.{i}.key/.value in; logits, present.{i}.key/.value
out; dynamic batch and lengths; an empty past on the first step), opset 17, fp32, each step of model.py's
forward as the ops that compute it, matrices stored [in, out] as a constant-folded export stores them, a tied
lm_head as a Transpose of the embedding. The command line builds the graph of a model directory's
config.json and model.safetensors (Hugging Face names, as the recipe writes them).
"""
import argparse
import json
import math
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8
PROTOBUF_LIMIT = 2 ** 31 - 1
EXTERNAL_DATA = "model.onnx_data"


class _Graph:
    """Nodes and initializers in topological order, with fresh names for intermediate values."""

    def __init__(self):
        self.nodes, self.inits, self.count, self.names = [], [], 0, set()

    def op(self, op_type, *inputs, outputs=1, name=None, **attrs):
        """Appends a node; name (a string, or one per output) names its outputs instead of fresh names."""
        if name:
            outs = list(name) if isinstance(name, (list, tuple)) else [name]
        else:
            outs = ["%s_%d" % (op_type.lower(), self.count + i) for i in range(outputs)]
        self.count += outputs
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, **attrs))
        return outs[0] if len(outs) == 1 else outs

    def weight(self, name, array):
        return self.const(name, np.ascontiguousarray(array, dtype=np.float32))

    def const(self, name, array):
        """An initializer; a name already given is the same constant (each layer asks for the same shapes)."""
        if name not in self.names:
            self.names.add(name)
            self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name


def build(model, cache="concat"):
    """An onnx.ModelProto of model (a recipe LlamaForCausalLM), computing what model.forward computes.

    cache="concat" writes Optimum's interface: present.{i} is the past with this run's keys and values appended,
    a copy of the whole cache every step. cache="append" outputs only this run's keys and values, as
    new_key_values.{i}.key/.value [b, kv, s, hd]: attention reads the past and the new part apart and never
    copies the past, so the caller keeps the cache and writes each new column in place. cache="gqa" runs ONNX
    Runtime's GroupQueryAttention (com.microsoft): row b holds its tokens in columns [0, seqlens_k[b] + 1) of a
    cache whose past and present are one buffer, so a step writes its column in place and reads only the row's own
    columns; inputs seqlens_k [b] (int32, the row's length after this run, minus one) and total_sequence_length
    (int32, the longest) replace attention_mask.
    """
    if cache not in ("concat", "append", "gqa"):
        raise ValueError("cache is concat, append or gqa, not %r" % cache)
    c = model.config
    if c.qk_norm:
        raise ValueError("onnx_graph.py writes Llama and Qwen2 graphs; Qwen3's q/k norms need torch's exporter")
    hd, nh, kvh = c.head_dim, c.num_attention_heads, c.num_key_value_heads
    if cache == "gqa" and hd % 16:
        raise ValueError("ONNX Runtime's GroupQueryAttention takes heads of a multiple of 16 dimensions, this model's "
                         "have %d: write it with --cache concat or append" % hd)
    groups = nh // kvh
    sd = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    g = _Graph()
    layers = range(c.num_hidden_layers)
    past = [("past_key_values.%d.key" % i, "past_key_values.%d.value" % i) for i in layers]
    if cache in ("concat", "gqa"):
        present = [("present.%d.key" % i, "present.%d.value" % i) for i in layers]
    else:
        present = [("new_key_values.%d.key" % i, "new_key_values.%d.value" % i) for i in layers]

    i64 = lambda name, values: g.const(name, np.array(values, dtype=np.int64))
    eps = g.const("rms_norm_eps", np.array(c.rms_norm_eps, dtype=np.float32))

    # The attention bias [b, 1, s, past+s]: causal in cache order, and the padding of attention_mask.
    # GroupQueryAttention masks by each row's length instead.
    if cache != "gqa":
        axis_last, axis1, axes01 = i64("axes_last", [-1]), i64("axes_1", [1]), i64("axes_01", [0, 1])
        zero, one, two = i64("zero", 0), i64("one", 1), i64("two", 2)
        scale = g.const("attention_scale", np.array(math.sqrt(hd), dtype=np.float32))
        seq = g.op("Gather", g.op("Shape", "input_ids"), one, axis=0)
        past_len = g.op("Gather", g.op("Shape", past[0][0]), two, axis=0)
        total = g.op("Add", past_len, seq)
        k_idx = g.op("Range", zero, total, one)
        q_idx = g.op("Add", g.op("Range", zero, seq, one), past_len)
        causal = g.op("LessOrEqual", g.op("Unsqueeze", k_idx, i64("axes_0", [0])), g.op("Unsqueeze", q_idx, axis1))
        unmasked = g.op("Greater", "attention_mask", zero)
        allowed = g.op("And", g.op("Unsqueeze", causal, axes01), g.op("Unsqueeze", unmasked, i64("axes_12", [1, 2])))
        bias = g.op("Where", allowed, g.const("bias_allowed", np.array(0.0, dtype=np.float32)),
                    g.const("bias_masked", np.array(-1e9, dtype=np.float32)))
        if groups > 1:  # query heads that share a KV head are stacked along the sequence axis, as in model.py
            bias = g.op("Tile", bias, i64("bias_repeats", [1, 1, groups, 1]))

        split_sizes = g.op("Concat", g.op("Unsqueeze", past_len, i64("axes_0s", [0])),
                           g.op("Unsqueeze", seq, i64("axes_0s", [0])), axis=0)  # the past's columns, then the new ones

    # Rotary angles from the explicit positions, shared by every layer: cos and sin [b, 1, s, hd].
    # GroupQueryAttention rotates queries and keys itself, at each row's own positions, from tables of every one.
    inv_freq = 1.0 / (c.rope_theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
    if cache == "gqa":
        angles = torch.outer(torch.arange(c.max_position_embeddings, dtype=torch.float32), inv_freq)
        cos_cache, sin_cache = g.const("cos_cache", angles.cos().numpy()), g.const("sin_cache", angles.sin().numpy())
    else:
        freqs = g.op("Mul", g.op("Unsqueeze", g.op("Cast", "position_ids", to=TensorProto.FLOAT), axis_last),
                     g.const("inv_freq", inv_freq.numpy()))
        emb = g.op("Unsqueeze", g.op("Concat", freqs, freqs, axis=-1), axis1)
        cos, sin = g.op("Cos", emb), g.op("Sin", emb)

    def rms_norm(x, weight_name):
        mean = g.op("ReduceMean", g.op("Mul", x, x), axes=[-1], keepdims=1)
        normed = g.op("Mul", x, g.op("Reciprocal", g.op("Sqrt", g.op("Add", mean, eps))))
        return g.op("Mul", g.weight(weight_name, sd[weight_name]), normed)

    def linear(x, prefix, with_bias=False):
        y = g.op("MatMul", x, g.weight(prefix + ".weight", sd[prefix + ".weight"].T))
        return g.op("Add", y, g.weight(prefix + ".bias", sd[prefix + ".bias"])) if with_bias else y

    def heads(x, n):  # [b, s, n * hd] -> [b, n, s, hd]
        return g.op("Transpose", g.op("Reshape", x, i64("shape_heads_%d" % n, [0, 0, n, hd])), perm=[0, 2, 1, 3])

    def rotate(x):  # x * cos + rotate_half(x) * sin
        x1, x2 = g.op("Split", x, outputs=2, axis=-1)
        return g.op("Add", g.op("Mul", x, cos), g.op("Mul", g.op("Concat", g.op("Neg", x2), x1, axis=-1), sin))

    def mlp(x, p):  # the residual stream after the layer's SwiGLU block
        h = rms_norm(x, p + "post_attention_layernorm.weight")
        gate = linear(h, p + "mlp.gate_proj")
        act = g.op("Mul", g.op("Mul", gate, g.op("Sigmoid", gate)), linear(h, p + "mlp.up_proj"))
        return g.op("Add", x, linear(act, p + "mlp.down_proj"))

    x = g.op("Gather", g.weight("model.embed_tokens.weight", sd["model.embed_tokens.weight"]), "input_ids", axis=0)
    for i in layers:
        p = "model.layers.%d." % i
        h = rms_norm(x, p + "input_layernorm.weight")
        if cache == "gqa":  # queries, keys and values as [b, s, heads * hd]; the output comes back so
            q, k, v = (linear(h, p + "self_attn.%s_proj" % n, c.attention_bias) for n in "qkv")
            out = g.op("GroupQueryAttention", q, k, v, past[i][0], past[i][1], "seqlens_k", "total_sequence_length",
                       cos_cache, sin_cache, name=["attention_%d" % i, *present[i]], domain="com.microsoft",
                       num_heads=nh, kv_num_heads=kvh, do_rotary=1)[0]
            x = g.op("Add", x, linear(out, p + "self_attn.o_proj"))
            x = mlp(x, p)
            continue
        q = rotate(heads(linear(h, p + "self_attn.q_proj", c.attention_bias), nh))
        k = rotate(heads(linear(h, p + "self_attn.k_proj", c.attention_bias), kvh))
        v = heads(linear(h, p + "self_attn.v_proj", c.attention_bias), kvh)
        q = g.op("Reshape", q, i64("shape_groups", [0, kvh, -1, hd]))  # [b, kv, groups * s, hd]
        if cache == "concat":
            k = g.op("Concat", past[i][0], k, axis=2, name=present[i][0])
            v = g.op("Concat", past[i][1], v, axis=2, name=present[i][1])
            scores = g.op("Add", g.op("Div", g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2])), scale), bias)
            out = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
        else:  # the past's scores and the new ones, one softmax over both, each part's values apart
            k = g.op("Identity", k, name=present[i][0])
            v = g.op("Identity", v, name=present[i][1])
            raw = g.op("Concat", g.op("MatMul", q, g.op("Transpose", past[i][0], perm=[0, 1, 3, 2])),
                       g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2])), axis=-1)
            probs = g.op("Softmax", g.op("Add", g.op("Div", raw, scale), bias), axis=-1)
            old_part, new_part = g.op("Split", probs, split_sizes, outputs=2, axis=-1)
            out = g.op("Add", g.op("MatMul", old_part, past[i][1]), g.op("MatMul", new_part, v))
        out = g.op("Reshape", g.op("Transpose", g.op("Reshape", out, i64("shape_query_heads", [0, nh, -1, hd])),
                                   perm=[0, 2, 1, 3]), i64("shape_merge", [0, 0, nh * hd]))
        x = g.op("Add", x, linear(out, p + "self_attn.o_proj"))
        x = mlp(x, p)
    h = rms_norm(x, "model.norm.weight")
    if c.tie_word_embeddings:
        head = g.op("Transpose", "model.embed_tokens.weight", perm=[1, 0])
    else:
        head = g.weight("lm_head.weight", sd["lm_head.weight"].T)
    g.op("MatMul", h, head, name="logits")

    f32 = TensorProto.FLOAT
    kv_shape = ["batch_size", kvh, "past_sequence_length", hd]
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"])]
    if cache == "gqa":
        inputs += [helper.make_tensor_value_info("seqlens_k", TensorProto.INT32, ["batch_size"]),
                   helper.make_tensor_value_info("total_sequence_length", TensorProto.INT32, [])]
    else:
        inputs.append(helper.make_tensor_value_info("attention_mask", TensorProto.INT64,
                                                    ["batch_size", "total_sequence_length"]))
        inputs.append(helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["batch_size", "sequence_length"]))
    inputs += [helper.make_tensor_value_info(n, f32, kv_shape) for pair in past for n in pair]
    outputs = [helper.make_tensor_value_info("logits", f32, ["batch_size", "sequence_length", c.vocab_size])]
    new_len = {"concat": "total_sequence_length", "append": "sequence_length", "gqa": "present_sequence_length"}[cache]
    outputs += [helper.make_tensor_value_info(n, f32, ["batch_size", kvh, new_len, hd]) for pair in present for n in pair]
    graph = helper.make_graph(g.nodes, "decoder", inputs, outputs, g.inits)
    # IR 8 goes with opset 17; a newer onnx package would otherwise stamp its own, newer than some runtimes read.
    opsets = [helper.make_opsetid("", OPSET)] + ([helper.make_opsetid("com.microsoft", 1)] if cache == "gqa" else [])
    return helper.make_model(graph, opset_imports=opsets, ir_version=IR_VERSION,
                             producer_name="reason recipe")


def save(m, path, external=False):
    """Writes m to path, its weights in one model.onnx_data beside it when asked or past protobuf's 2 GB."""
    for stale in (path, os.path.join(os.path.dirname(path) or ".", EXTERNAL_DATA)):
        if os.path.exists(stale):
            os.remove(stale)  # onnx appends to an existing external data file
    weight_bytes = sum(4 * math.prod(t.dims) for t in m.graph.initializer)
    if external or weight_bytes > PROTOBUF_LIMIT - (64 << 20):
        onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=EXTERNAL_DATA, size_threshold=1024)
    else:
        onnx.save_model(m, path)


def load_model_dir(model_dir):
    """The recipe model of a Hugging Face directory (config.json, model.safetensors) that the recipe wrote."""
    import safetensors_io
    from model import Config, LlamaForCausalLM

    with open(os.path.join(model_dir, "config.json")) as f:
        hf = json.load(f)
    if hf.get("model_type") not in ("llama", "qwen2"):
        raise SystemExit("%s: a %s model; onnx_graph.py writes Llama and Qwen2 graphs" % (model_dir, hf.get("model_type")))
    rope = hf.get("rope_parameters") or {}
    fields = {k: hf[k] for k in ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                                 "num_attention_heads", "num_key_value_heads", "max_position_embeddings",
                                 "rms_norm_eps", "tie_word_embeddings", "bos_token_id", "eos_token_id",
                                 "pad_token_id") if k in hf}
    c = Config(**fields, rope_theta=hf.get("rope_theta", rope.get("rope_theta", 10000.0)),
               attention_bias=hf.get("attention_bias", hf.get("model_type") == "qwen2"))
    model = LlamaForCausalLM(c).eval()
    state = safetensors_io.load(os.path.join(model_dir, "model.safetensors"))
    if c.tie_word_embeddings:
        state["lm_head.weight"] = state["model.embed_tokens.weight"]
    model.load_state_dict(state)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", required=True, help="config.json and model.safetensors")
    ap.add_argument("--out", required=True, help="the .onnx file to write")
    ap.add_argument("--external-data", action="store_true", help="weights in model.onnx_data even when small")
    ap.add_argument("--cache", default="concat", choices=["concat", "append", "gqa"],
                    help="concat: Optimum's present outputs (the default); append: only the new keys and values; "
                         "gqa: ONNX Runtime's GroupQueryAttention on one buffer for past and present")
    args = ap.parse_args()
    model = load_model_dir(args.model_dir)
    try:
        graph = build(model, args.cache)
    except ValueError as e:  # a model this form of graph cannot hold: one line, not a traceback
        raise SystemExit("onnx_graph.py: %s" % e)
    save(graph, args.out, args.external_data)
    print("wrote %s (%s parameters)" % (args.out, format(model.num_parameters(), ",")))


if __name__ == "__main__":
    main()
