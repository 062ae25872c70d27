"""A random-weight model directory in the shipped model's layout, for testing engines without training.

    /usr/bin/python3 models/recipe/random_model.py --arch qwen2 --shape tiny --seed 1 --out /tmp/tiny-qwen2

Builds the recipe's model (model.py) with random weights at a chosen shape and writes what export.py writes:
model.onnx (Optimum decoder I/O, export.export_onnx), model.safetensors (Hugging Face names), config.json
(Llama or Qwen2 form), generation_config.json, tokenizer files (the recipe's character tokenizer; the model's
vocabulary may be larger), reference_logits.json and SHA256SUMS.

Weight layouts in model.onnx, to test readers against what real exports contain:
  default          constant folding on, as export.py: matrices anonymous (onnx::MatMul_N), stored [in, out]
  --named          no folding: matrices keep their names, stored [out, in], each behind a Transpose node
  --anonymous      after export, every initializer renamed onnx::<Op>_N; of the matrices, one in three is
                   stored [out, in] behind a Transpose, one in three passes through a Cast; the final norm
                   weight and the first q bias become Constant nodes
  --external-data  weights of 1 KiB and more in model.onnx_data (always on past 2 GB of weights)
The graph comes from torch's TorchScript exporter, or from onnx_graph.py where that is missing or fails
(--exporter, see export.onnx_model).
"""
import argparse
import math
import os
import time

import onnx
import torch
from onnx import helper, numpy_helper

import export
import onnx_graph
import safetensors_io
import vocab
from model import Config, LlamaForCausalLM

SHAPES = {
    # name: sizes, tied embeddings, default architecture
    "tiny": (dict(vocab_size=160, hidden_size=32, intermediate_size=80, num_hidden_layers=3,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512), False, "llama"),
    # tiny with heads of 16, the least that ONNX Runtime's GroupQueryAttention (onnx_graph.py --cache gqa) takes
    "tiny-h16": (dict(vocab_size=160, hidden_size=32, intermediate_size=80, num_hidden_layers=3,
                      num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512), False, "llama"),
    "llama-small": (dict(vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                         num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=2048), True, "llama"),
    "qwen2-0.5b": (dict(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                        num_attention_heads=14, num_key_value_heads=2, max_position_embeddings=32768), True, "qwen2"),
}
ARCHS = {
    # name: (model_type, architecture, q/k/v biases, rope_theta, rms_norm_eps)
    "llama": ("llama", "LlamaForCausalLM", False, 10000.0, 1e-5),
    "qwen2": ("qwen2", "Qwen2ForCausalLM", True, 1000000.0, 1e-6),
    # q/k norms and a head size of twice hidden / heads, as Qwen3-0.6B (1024 / 16 heads, head_dim 128)
    "qwen3": ("qwen3", "Qwen3ForCausalLM", False, 1000000.0, 1e-6),
}


def build(shape, arch, tied, seed):
    sizes, default_tied, _ = SHAPES[shape]
    _, _, bias, theta, eps = ARCHS[arch]
    qwen3 = arch == "qwen3"
    c = Config(**sizes, rope_theta=theta, rms_norm_eps=eps, attention_bias=bias, qk_norm=qwen3,
               explicit_head_dim=2 * sizes["hidden_size"] // sizes["num_attention_heads"] if qwen3 else 0,
               tie_word_embeddings=default_tied if tied is None else tied)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(c).eval()
    randomize(model)
    return model


def randomize(model):
    """Weights that make every tensor matter: unit-scale activations, norms away from 1, non-zero biases
    (the training init's zero biases and unit norms would hide a reader that swaps or drops them)."""
    hidden = model.config.hidden_size
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.uniform_(0.5, 1.5)
            elif name.endswith(".bias"):
                p.normal_(0.0, 0.3)
            elif "embed_tokens" in name or name == "lm_head.weight":
                p.normal_(0.0, 1.0 / math.sqrt(hidden))
            else:
                p.normal_(0.0, 1.0 / math.sqrt(p.shape[1]))


def config_dict(model, arch, rope_parameters):
    model_type, architecture, _, _, _ = ARCHS[arch]
    d = model.config.hf_dict(architecture, model_type)
    if model_type in ("qwen2", "qwen3"):
        d["use_sliding_window"] = False
    if rope_parameters:  # the newer transformers form
        d.pop("rope_scaling")
        d["rope_parameters"] = {"rope_type": "default", "rope_theta": d.pop("rope_theta")}
    return d


def anonymize(m):
    """Rewrites the graph in place to the layouts of exports by transformers (see the module docstring)."""
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    first_op = {}
    for n in g.node:
        for i in n.input:
            first_op.setdefault(i, n.op_type)
    as_constant = {"model.model.norm.weight", "model.model.layers.0.self_attn.q_proj.bias"}
    renames = {old: "onnx::%s_%d" % (first_op.get(old, "Init"), 1000 + k) for k, old in enumerate(inits)}
    nodes, matrices, constants = [], 0, []
    for n in g.node:
        w = inits.get(n.input[1]) if n.op_type == "MatMul" else None
        for pos, name in enumerate(n.input):
            if name in renames:
                n.input[pos] = renames[name]
        if w is not None and len(w.dims) == 2:
            kind, matrices = matrices % 3, matrices + 1
            if kind == 1:  # stored [out, in], transposed in the graph
                w.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(w).T.copy(), w.name))
                nodes.append(helper.make_node("Transpose", [n.input[1]], [n.input[1] + "_t"], perm=[1, 0]))
                n.input[1] += "_t"
            elif kind == 2:  # a no-op Cast, as fp16 exports put between weights and MatMuls
                nodes.append(helper.make_node("Cast", [n.input[1]], [n.input[1] + "_c"], to=onnx.TensorProto.FLOAT))
                n.input[1] += "_c"
        nodes.append(n)
    for old, t in inits.items():
        t.name = renames[old]
        if old in as_constant:
            constants.append(helper.make_node("Constant", [], [t.name], value=t))
    kept = [t for old, t in inits.items() if old not in as_constant]
    del g.initializer[:]
    g.initializer.extend(kept)
    del g.node[:]
    g.node.extend(constants + nodes)


def write_onnx(model, out_dir, named, anonymous, external, exporter):
    """model.onnx with its weights inline or in one model.onnx_data (see export.onnx_model for the exporters)."""
    m = export.onnx_model(model, fold=not named, exporter=exporter, scratch_parent=out_dir)
    if anonymous:
        anonymize(m)
    onnx_graph.save(m, os.path.join(out_dir, "model.onnx"), external)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=sorted(ARCHS), help="default: the shape's (qwen2 for qwen2-0.5b, else llama)")
    ap.add_argument("--shape", choices=list(SHAPES), default="tiny")
    ap.add_argument("--tied", action=argparse.BooleanOptionalAction, default=None,
                    help="tie lm_head to the embedding (default: the shape's: untied for tiny)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rope-parameters", action="store_true", help="config.json with rope_theta under rope_parameters")
    layout = ap.add_mutually_exclusive_group()
    layout.add_argument("--named", action="store_true", help="export without constant folding (named [out, in] weights)")
    layout.add_argument("--anonymous", action="store_true", help="anonymous names and mixed layouts, as transformers' exports")
    ap.add_argument("--external-data", action="store_true", help="weights in model.onnx_data even when small")
    ap.add_argument("--exporter", choices=export.EXPORTERS, default="auto",
                    help="torch's TorchScript exporter, onnx_graph.py's graph, or torch's where it works (default)")
    ap.add_argument("--no-reference", action="store_true",
                    help="skip reference_logits.json (224 MB and minutes of CPU for the qwen2-0.5b shape)")
    args = ap.parse_args()
    t0 = time.perf_counter()

    def done(what):  # the time of each part: the device run makes the 0.5B shape within a time cap
        print("%6.1f s  %s" % (time.perf_counter() - t0, what), flush=True)

    arch = args.arch or SHAPES[args.shape][2]
    model = build(args.shape, arch, args.tied, args.seed)
    done("built")
    c = model.config
    os.makedirs(args.out, exist_ok=True)
    write_onnx(model, args.out, args.named, args.anonymous, args.external_data, args.exporter)
    done("model.onnx")
    state = model.state_dict()
    if c.tie_word_embeddings:
        state.pop("lm_head.weight")
    safetensors_io.save(state, os.path.join(args.out, "model.safetensors"))
    export.write_json(os.path.join(args.out, "config.json"), config_dict(model, arch, args.rope_parameters))
    gen = dict(export.GENERATION, bos_token_id=c.bos_token_id, eos_token_id=c.eos_token_id, pad_token_id=c.pad_token_id)
    export.write_json(os.path.join(args.out, "generation_config.json"), gen)
    vocab.write_tokenizer_files(args.out, c.max_position_embeddings)
    done("model.safetensors, config and tokenizer")
    if not args.no_reference:
        export.write_reference(model, args.out)
        done("reference_logits.json")
    export.check_onnx(model, os.path.join(args.out, "model.onnx"))
    done("checked model.onnx")
    export.write_sums(args.out)
    print("wrote %s: %s %s, %s parameters" % (args.out, arch, args.shape, format(model.num_parameters(), ",")))


if __name__ == "__main__":
    main()
