#!/usr/bin/env python3
"""Writes a weight-quantized or half-precision copy of a decoder's model.onnx, in the forms Hugging Face's ONNX
exports ship (onnx-community's onnx/model_quantized.onnx, model_q4.onnx, model_fp16.onnx, model_q4f16.onnx), for
testing that such files run.

    /usr/bin/python3 models/recipe/quantize.py --model DIR/model.onnx --scheme int8 --out DIR/onnx/model_quantized.onnx
    /usr/bin/python3 models/recipe/quantize.py --model DIR/model.onnx --scheme q4 --out DIR/onnx/model_q4.onnx
    /usr/bin/python3 models/recipe/quantize.py --model DIR/model.onnx --scheme fp16 --out DIR/onnx/model_fp16.onnx
    /usr/bin/python3 models/recipe/quantize.py --model DIR/model.onnx --scheme q4f16 --out DIR/onnx/model_q4f16.onnx

Every MatMul whose second input is a constant 2-D weight (an initializer, or a Transpose of one) is replaced:
  int8  dynamic quantization as onnxruntime's quantize_dynamic writes it: the activation quantized per call to uint8
        (DynamicQuantizeLinear), the weight stored int8 with one symmetric scale, MatMulInteger, then both scales;
  q4    com.microsoft MatMulNBits: the weight stored 4-bit in blocks of --block-size along K, one fp32 scale per
        block and output, symmetric (the default zero point 8).
The embedding Gather and everything else stay as they are; Transposes and initializers left unused are dropped.
  fp16  the whole graph in float16, its KV cache and logits too, as an export from a half-precision model has them,
        except the rotary angles (everything Cos and Sin read), which stay fp32 as Hugging Face computes them: fp16
        cannot hold position x frequency finely enough; constants beyond fp16's range are clipped to +-65504;
  q4f16 q4, then fp16 (the activations and the block scales in float16).
Needs only the onnx package (Debian's python3-onnx); onnxruntime runs the result (the Java suite checks it).
"""
import argparse
import os

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto


def constant_weight(name, initializers, producers):
    """The [K, N] matrix a MatMul reads as its second input, or None when it is not a constant 2-D weight."""
    if name in initializers:
        w = numpy_helper.to_array(initializers[name])
        return w if w.ndim == 2 and w.dtype == np.float32 else None
    node = producers.get(name)
    if node is not None and node.op_type == "Transpose" and node.input[0] in initializers:
        w = numpy_helper.to_array(initializers[node.input[0]])
        perm = [a.ints for a in node.attribute if a.name == "perm"]
        if w.ndim == 2 and w.dtype == np.float32 and (not perm or list(perm[0]) == [1, 0]):
            return w.T.copy()
    return None


def int8_nodes(node, w, prefix):
    """DynamicQuantizeLinear + MatMulInteger + rescale, and the initializers they read."""
    scale = float(np.abs(w).max()) / 127.0 or 1.0
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    inits = [numpy_helper.from_array(q, prefix + "_W_int8"),
             numpy_helper.from_array(np.array(scale, dtype=np.float32), prefix + "_W_scale"),
             numpy_helper.from_array(np.array(0, dtype=np.int8), prefix + "_W_zero")]
    x, y = node.input[0], node.output[0]
    nodes = [
        helper.make_node("DynamicQuantizeLinear", [x], [prefix + "_xq", prefix + "_xs", prefix + "_xz"],
                         name=prefix + "_DynamicQuantizeLinear"),
        helper.make_node("MatMulInteger", [prefix + "_xq", prefix + "_W_int8", prefix + "_xz", prefix + "_W_zero"],
                         [prefix + "_acc"], name=prefix + "_MatMulInteger"),
        helper.make_node("Cast", [prefix + "_acc"], [prefix + "_accf"], to=TensorProto.FLOAT, name=prefix + "_Cast"),
        helper.make_node("Mul", [prefix + "_xs", prefix + "_W_scale"], [prefix + "_s"], name=prefix + "_Scale"),
        helper.make_node("Mul", [prefix + "_accf", prefix + "_s"], [y], name=prefix + "_Rescale"),
    ]
    return nodes, inits


def q4_nodes(node, w, prefix, block):
    """One MatMulNBits reading 4-bit blocks of the weight's columns."""
    k, n = w.shape
    blocks = (k + block - 1) // block
    padded = np.zeros((blocks * block, n), dtype=np.float32)
    padded[:k] = w
    cols = padded.T.reshape(n, blocks, block)                      # [N, blocks, block]
    scales = np.abs(cols).max(axis=2) / 7.0
    scales[scales == 0] = 1.0
    q = np.clip(np.rint(cols / scales[:, :, None]) + 8, 0, 15).astype(np.uint8)
    packed = (q[:, :, 0::2] | (q[:, :, 1::2] << 4)).astype(np.uint8)  # element 2j in the low nibble
    inits = [numpy_helper.from_array(packed, prefix + "_B_q4"),
             numpy_helper.from_array(scales.astype(np.float32).reshape(-1), prefix + "_scales")]
    nodes = [helper.make_node("MatMulNBits", [node.input[0], prefix + "_B_q4", prefix + "_scales"], [node.output[0]],
                              name=prefix + "_MatMulNBits", domain="com.microsoft", K=k, N=n, bits=4, block_size=block)]
    return nodes, inits


def drop_unused(graph):
    """Removes nodes whose outputs nothing reads (repeatedly) and initializers nothing reads."""
    outputs = {o.name for o in graph.output}
    while True:
        read = {i for n in graph.node for i in n.input} | outputs
        dead = [n for n in graph.node if n.output and not any(o in read for o in n.output)]
        if not dead:
            break
        for n in dead:
            graph.node.remove(n)
    read = {i for n in graph.node for i in n.input} | outputs
    for init in [i for i in graph.initializer if i.name not in read]:
        graph.initializer.remove(init)


FP16_MAX = 65504.0


def fp16_tensor(t):
    """A float TensorProto as float16, clipped to fp16's finite range (a -1e9 mask constant becomes -65504)."""
    a = numpy_helper.to_array(t)
    return numpy_helper.from_array(np.clip(a, -FP16_MAX, FP16_MAX).astype(np.float16), t.name)


def to_fp16(model):
    """Converts every float tensor of the graph to float16, keeping the rotary angles' subgraph in float32."""
    graph = model.graph
    float_values = {v.name for v in onnx.shape_inference.infer_shapes(model).graph.value_info
                    if v.type.tensor_type.elem_type == TensorProto.FLOAT}
    float_values |= {v.name for v in list(graph.input) + list(graph.output) + list(graph.initializer)
                     if (v.type.tensor_type.elem_type if hasattr(v, "type") else v.data_type) == TensorProto.FLOAT}
    producers = {o: n for n in graph.node for o in n.output}
    kept, stack = set(), [n for n in graph.node if n.op_type in ("Cos", "Sin")]
    while stack:
        n = stack.pop()
        if id(n) not in kept:
            kept.add(id(n))
            stack.extend(producers[i] for i in n.input if i in producers)
    kept_values = {v for n in graph.node if id(n) in kept for v in list(n.input) + list(n.output)}
    for i, init in enumerate(graph.initializer):
        if init.data_type == TensorProto.FLOAT and init.name not in kept_values:
            graph.initializer[i].CopyFrom(fp16_tensor(init))
    new_nodes, casts = [], {}
    for node in graph.node:
        if id(node) not in kept:
            for a in node.attribute:
                if node.op_type == "Cast" and a.name == "to" and a.i == TensorProto.FLOAT:
                    a.i = TensorProto.FLOAT16
                elif a.type == onnx.AttributeProto.TENSOR and a.t.data_type == TensorProto.FLOAT:
                    a.t.CopyFrom(fp16_tensor(a.t))
            for k, name in enumerate(node.input):
                if name in kept_values and name in float_values:  # an fp32 rotary value read by an fp16 node
                    if name not in casts:
                        casts[name] = name + "_fp16"
                        new_nodes.append(helper.make_node("Cast", [name], [casts[name]], to=TensorProto.FLOAT16,
                                                          name=name + "_CastFp16"))
                    node.input[k] = casts[name]
        new_nodes.append(node)
    del graph.node[:]
    graph.node.extend(new_nodes)
    for v in list(graph.input) + list(graph.output):
        if v.type.tensor_type.elem_type == TensorProto.FLOAT:
            v.type.tensor_type.elem_type = TensorProto.FLOAT16
    del graph.value_info[:]


def quantize(model, scheme, block):
    graph = model.graph
    initializers = {i.name: i for i in graph.initializer}
    producers = {o: n for n in graph.node for o in n.output}
    new_nodes, replaced = [], 0
    for node in graph.node:
        w = constant_weight(node.input[1], initializers, producers) if node.op_type == "MatMul" else None
        if w is None:
            new_nodes.append(node)
            continue
        prefix = "q%d" % replaced
        nodes, inits = int8_nodes(node, w, prefix) if scheme == "int8" else q4_nodes(node, w, prefix, block)
        new_nodes.extend(nodes)
        graph.initializer.extend(inits)
        replaced += 1
    del graph.node[:]
    graph.node.extend(new_nodes)
    drop_unused(graph)
    if scheme == "q4" and not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return replaced


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="the fp32 model.onnx (weights inside the file)")
    ap.add_argument("--scheme", required=True, choices=["int8", "q4", "fp16", "q4f16"])
    ap.add_argument("--block-size", type=int, default=32, help="q4: weights per scale along K (16, 32, 64, 128)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    model = onnx.load(args.model)
    replaced = 0
    if args.scheme != "fp16":
        replaced = quantize(model, args.scheme.replace("f16", ""), args.block_size)
        if replaced == 0:
            raise SystemExit("quantize.py: %s has no MatMul by a constant 2-D fp32 weight" % args.model)
    if args.scheme in ("fp16", "q4f16"):
        to_fp16(model)
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    onnx.save(model, args.out)
    print("quantize.py: %s, %d MatMuls quantized -> %s (%d bytes)" % (args.scheme, replaced, args.out,
                                                                     os.path.getsize(args.out)))


if __name__ == "__main__":
    main()
