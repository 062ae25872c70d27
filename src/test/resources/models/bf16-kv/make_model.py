#!/usr/bin/env python3
"""Writes model.onnx here: the Optimum decoder interface of a one-layer model whose KV cache is bfloat16, as an
`--dtype bf16` export has it, and no network behind it (the presents pass the pasts through, the logits are zeros).
The CPU engine runs fp32 and fp16 caches only, so OrtEngine must refuse it with a line that says why; CliTest checks
that. Needs python3-onnx."""
import os

import onnx
from onnx import TensorProto, helper

kv = [1, 2, "past", 8]
inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
          helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "total"]),
          helper.make_tensor_value_info("past_key_values.0.key", TensorProto.BFLOAT16, kv),
          helper.make_tensor_value_info("past_key_values.0.value", TensorProto.BFLOAT16, kv)]
outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1, 160]),
           helper.make_tensor_value_info("present.0.key", TensorProto.BFLOAT16, kv),
           helper.make_tensor_value_info("present.0.value", TensorProto.BFLOAT16, kv)]
nodes = [helper.make_node("Identity", ["past_key_values.0.key"], ["present.0.key"]),
         helper.make_node("Identity", ["past_key_values.0.value"], ["present.0.value"]),
         helper.make_node("ConstantOfShape", ["shape"], ["logits"],
                          value=helper.make_tensor("zero", TensorProto.FLOAT, [1], [0.0]))]
shape = helper.make_tensor("shape", TensorProto.INT64, [3], [1, 1, 160])
graph = helper.make_graph(nodes, "bf16_kv", inputs, outputs, initializer=[shape])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="reason-test")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.onnx"))
