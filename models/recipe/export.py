"""Export a checkpoint as a Hugging Face style model directory with an Optimum-layout decoder ONNX.

    /usr/bin/python3 models/recipe/export.py --checkpoint build/train/checkpoint.pt --out models/reason-mini

Writes model.onnx (inputs input_ids, attention_mask, position_ids, past_key_values.{i}.key/.value;
outputs logits, present.{i}.key/.value; dynamic batch and lengths; an empty past works on the first step),
config.json as LlamaForCausalLM writes it, generation_config.json, tokenizer files, the held-out sets,
and checks the ONNX logits against PyTorch (fp32, with and without past) before writing SHA256SUMS.
"""
import argparse
import hashlib
import inspect
import json
import os
import shutil
import tempfile

import onnx
import torch

import data
import onnx_graph
import safetensors_io
import vocab
from model import Config, LlamaForCausalLM

OPSET = 17
# Recommended sampling for self-consistency: diverse enough to disagree, sharp enough to stay right.
GENERATION = {"do_sample": True, "temperature": 0.8, "top_p": 0.95, "top_k": 0, "min_p": 0.0,
              "max_new_tokens": 400}


class OnnxWrapper(torch.nn.Module):
    """Flat positional I/O for torch.onnx.export."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.n = model.config.num_hidden_layers

    def forward(self, input_ids, attention_mask, position_ids, *flat_past):
        past = [(flat_past[2 * i], flat_past[2 * i + 1]) for i in range(self.n)]
        logits, present = self.model(input_ids, attention_mask, position_ids, past)
        return (logits,) + tuple(t for kv in present for t in kv)


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    model = LlamaForCausalLM(Config(**ck["config"]))
    model.load_state_dict(ck["state_dict"])
    return model.eval()


def io_names(n_layers):
    past = [f"past_key_values.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    present = [f"present.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    return past, present


EXPORTERS = ("auto", "torch", "onnx")


def onnx_model(model, fold=True, exporter="auto", scratch_parent=None):
    """The decoder as an onnx.ModelProto. exporter "torch": torch's TorchScript-based exporter (fold=False keeps
    the weights under their names, [out, in], each behind a Transpose node); "onnx": onnx_graph.py's graph,
    written node by node; "auto": torch's, or onnx_graph.py's where torch's is missing or fails (torch has
    deprecated it). Past 2 GB torch writes one file per tensor: scratch_parent holds them meanwhile."""
    if exporter not in EXPORTERS:
        raise ValueError("exporter must be one of %s, not %r" % (", ".join(EXPORTERS), exporter))
    if exporter != "onnx":
        scratch = tempfile.mkdtemp(dir=scratch_parent)
        try:
            export_torchscript(model, os.path.join(scratch, "model.onnx"), fold)
            return onnx.load(os.path.join(scratch, "model.onnx"))
        except Exception as e:  # noqa: BLE001 - any failure of the deprecated exporter
            if exporter == "torch":
                raise
            print("torch.onnx.export (TorchScript) failed with %s: %s; writing the graph with onnx_graph.py instead"
                  % (type(e).__name__, str(e).splitlines()[0] if str(e) else ""), flush=True)
        finally:
            shutil.rmtree(scratch)
    if not fold:
        print("note: onnx_graph.py stores matrices [in, out] under their names, not behind Transpose nodes")
    return onnx_graph.build(model)


def export_onnx(model, path, fold=True, exporter="auto", external=False):
    """Writes onnx_model's graph to path (its weights in model.onnx_data when asked or past 2 GB)."""
    onnx_graph.save(onnx_model(model, fold, exporter, os.path.dirname(os.path.abspath(path))), path, external)


def export_torchscript(model, path, fold=True):
    c = model.config
    past_names, present_names = io_names(c.num_hidden_layers)
    b, s, p = 2, 3, 4  # trace with a non-empty past; the past axis is dynamic
    ids = torch.randint(3, c.vocab_size, (b, s))
    mask = torch.ones(b, p + s, dtype=torch.long)
    pos = torch.arange(p, p + s)[None, :].expand(b, s).contiguous()
    past = [torch.randn(b, c.num_key_value_heads, p, c.head_dim) for _ in past_names]
    dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
           "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
           "position_ids": {0: "batch_size", 1: "sequence_length"},
           "logits": {0: "batch_size", 1: "sequence_length"}}
    for n in past_names:
        dyn[n] = {0: "batch_size", 2: "past_sequence_length"}
    for n in present_names:
        dyn[n] = {0: "batch_size", 2: "total_sequence_length"}
    # torch 2.x may default to its dynamo exporter, whose graph differs; this recipe's graph is TorchScript's.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with torch.no_grad():
        torch.onnx.export(OnnxWrapper(model), (ids, mask, pos, *past), path, opset_version=OPSET,
                          input_names=["input_ids", "attention_mask", "position_ids"] + past_names,
                          output_names=["logits"] + present_names, dynamic_axes=dyn, do_constant_folding=fold,
                          **legacy)


def check_onnx(model, path):
    """Max |logits difference| between ONNX Runtime (if installed) and PyTorch, fresh and with a past."""
    try:
        import onnxruntime as ort
    except ImportError:
        import onnx
        # By path, which works past 2 GB with external data; shape inference would overwrite the model in place.
        onnx.checker.check_model(path)
        with tempfile.TemporaryDirectory() as scratch:
            onnx.shape_inference.infer_shapes_path(path, os.path.join(scratch, "inferred.onnx"),
                                                   check_type=True, strict_mode=True)
        print("onnxruntime not installed here: ran onnx.checker only (the Java suite compares logits)")
        return None
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    c = model.config
    past_names, _ = io_names(c.num_hidden_layers)
    torch.manual_seed(0)
    ids = torch.randint(6, c.vocab_size, (2, 9))
    mask = torch.ones(2, 9, dtype=torch.long)
    pos = torch.arange(9)[None, :].expand(2, 9)
    worst = 0.0
    with torch.no_grad():
        ref, present = model(ids, mask, pos, model.empty_past(2))
        feed = {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "position_ids": pos.numpy()}
        for (k, v), (nk, nv) in zip(model.empty_past(2), zip(past_names[0::2], past_names[1::2])):
            feed[nk], feed[nv] = k.numpy(), v.numpy()
        out = sess.run(None, feed)
        worst = max(worst, float((torch.from_numpy(out[0]) - ref).abs().max()))
        # one more token on top of the past
        nxt = torch.randint(6, c.vocab_size, (2, 1))
        ref2, _ = model(nxt, torch.ones(2, 10, dtype=torch.long), torch.full((2, 1), 9), present)
        feed = {"input_ids": nxt.numpy(), "attention_mask": torch.ones(2, 10, dtype=torch.long).numpy(),
                "position_ids": torch.full((2, 1), 9).numpy()}
        for (k, v), (nk, nv) in zip(present, zip(past_names[0::2], past_names[1::2])):
            feed[nk], feed[nv] = k.numpy(), v.numpy()
        out = sess.run(None, feed)
        worst = max(worst, float((torch.from_numpy(out[0]) - ref2).abs().max()))
    print("onnx vs torch max abs logits diff: %.2e" % worst)
    if worst > 1e-4:
        raise SystemExit("ONNX export does not match PyTorch (max abs diff %.2e > 1e-4)" % worst)
    return worst


REFERENCE_TEXT = ("What is 47 + 38 * 2 - 19?", "047+038*002-019\n038*002=076, 047+076-019\n")
REFERENCE_PREFILL = 30


def write_reference(model, out_dir):
    """PyTorch fp32 logits for one real prompt, for the Java suite to compare ONNX Runtime against:
    a full forward over the sequence, and prefill + one-token-at-a-time decoding with the cache."""
    ids = vocab.encode(vocab.prompt(REFERENCE_TEXT[0]) + REFERENCE_TEXT[1])
    x = torch.tensor([ids])
    n = len(ids)
    with torch.no_grad():
        full, _ = model(x, torch.ones(1, n, dtype=torch.long), torch.arange(n)[None, :], model.empty_past(1))
        p = REFERENCE_PREFILL
        _, past = model(x[:, :p], torch.ones(1, p, dtype=torch.long), torch.arange(p)[None, :], model.empty_past(1))
        steps = []
        for i in range(p, n):
            logits, past = model(x[:, i:i + 1], torch.ones(1, i + 1, dtype=torch.long), torch.tensor([[i]]), past)
            steps.append(logits[0, -1])
    rnd = lambda t: [round(float(v), 6) for v in t]
    write_json(os.path.join(out_dir, "reference_logits.json"),
               {"input_ids": ids, "prefill": REFERENCE_PREFILL,
                "full_logits": [rnd(r) for r in full[0]], "step_logits": [rnd(r) for r in steps]})


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")


def write_sums(out_dir):
    lines = []
    for root, _, files in os.walk(out_dir):
        for name in sorted(files):
            full = os.path.join(root, name)
            rel = os.path.relpath(full, out_dir)
            if rel in ("SHA256SUMS", "README.md"):
                continue
            with open(full, "rb") as f:
                lines.append("%s  %s" % (hashlib.sha256(f.read()).hexdigest(), rel))
    with open(os.path.join(out_dir, "SHA256SUMS"), "w") as f:
        f.write("\n".join(sorted(lines, key=lambda l: l.split("  ")[1])) + "\n")


def export_dir(model, out_dir, model_type="llama", architecture="LlamaForCausalLM", with_eval=True, exporter="auto"):
    os.makedirs(out_dir, exist_ok=True)
    c = model.config
    export_onnx(model, os.path.join(out_dir, "model.onnx"), exporter=exporter)
    state = model.state_dict()
    if c.tie_word_embeddings:
        state.pop("lm_head.weight")  # as transformers saves tied weights: once, under the embedding
    safetensors_io.save(state, os.path.join(out_dir, "model.safetensors"))
    write_json(os.path.join(out_dir, "config.json"), c.hf_dict(architecture, model_type))
    gen = dict(GENERATION, bos_token_id=c.bos_token_id, eos_token_id=c.eos_token_id, pad_token_id=c.pad_token_id)
    write_json(os.path.join(out_dir, "generation_config.json"), gen)
    vocab.write_tokenizer_files(out_dir, c.max_position_embeddings)
    write_reference(model, out_dir)
    if with_eval:
        data.write_eval_sets(os.path.join(out_dir, "eval"))
    check_onnx(model, os.path.join(out_dir, "model.onnx"))
    write_sums(out_dir)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--exporter", choices=EXPORTERS, default="auto",
                    help="torch's TorchScript exporter, onnx_graph.py's graph, or torch's where it works (default)")
    args = ap.parse_args()
    model = load_checkpoint(args.checkpoint)
    os.makedirs(args.out, exist_ok=True)
    log = os.path.join(os.path.dirname(args.checkpoint), "train_log.json")
    if os.path.exists(log):
        shutil.copy(log, os.path.join(args.out, "train_log.json"))
    export_dir(model, args.out, exporter=args.exporter)
    print("exported", args.out)


if __name__ == "__main__":
    main()
