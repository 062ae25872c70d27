#!/usr/bin/env python3
"""Writes a weight-quantized copy of a decoder's model.onnx, in the two forms Hugging Face's ONNX exports ship
(onnx-community's onnx/model_quantized.onnx and onnx/model_q4.onnx), for testing that such files run.

    /usr/bin/python3 models/recipe/quantize.py --model DIR/model.onnx --scheme int8 --out DIR/onnx/model_quantized.onnx
    /usr/bin/python3 models/recipe/quantize.py --model DIR/model.onnx --scheme q4 --out DIR/onnx/model_q4.onnx

Every MatMul whose second input is a constant 2-D weight (an initializer, or a Transpose of one) is replaced:
  int8  dynamic quantization as onnxruntime's quantize_dynamic writes it: the activation quantized per call to uint8
        (DynamicQuantizeLinear), the weight stored int8 with one symmetric scale, MatMulInteger, then both scales;
  q4    com.microsoft MatMulNBits: the weight stored 4-bit in blocks of --block-size along K, one fp32 scale per
        block and output, symmetric (the default zero point 8).
The embedding Gather and everything else stay as they are; Transposes and initializers left unused are dropped.
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
    ap.add_argument("--scheme", required=True, choices=["int8", "q4"])
    ap.add_argument("--block-size", type=int, default=32, help="q4: weights per scale along K (16, 32, 64, 128)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    model = onnx.load(args.model)
    replaced = quantize(model, args.scheme, args.block_size)
    if replaced == 0:
        raise SystemExit("quantize.py: %s has no MatMul by a constant 2-D fp32 weight" % args.model)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    onnx.save(model, args.out)
    print("quantize.py: %d MatMuls -> %s, %s (%d bytes)" % (replaced, args.scheme, args.out, os.path.getsize(args.out)))


if __name__ == "__main__":
    main()
