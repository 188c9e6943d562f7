"""Hand-built graphs the compact engine must refuse (also the committed fixtures of test/fixtures/onnx/)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = [helper.make_opsetid("", 17)]


def _model(graph: onnx.GraphProto) -> onnx.ModelProto:
    model = helper.make_model(graph, opset_imports=OPSET, producer_name="edge_training.conformance")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def constant_of_shape_of_input() -> onnx.ModelProto:
    """variable[i] = max(size) computed as the sum of a ConstantOfShape(ones) whose length is the input value:
    memory grows with an input feature, so every engine must refuse it at publish."""
    nodes = [
        helper.make_node("ReduceMax", ["size"], ["largest"], keepdims=0),
        helper.make_node("Cast", ["largest"], ["length_scalar"], to=TensorProto.INT64),
        helper.make_node("Reshape", ["length_scalar", "one_dim"], ["length"]),
        helper.make_node(
            "ConstantOfShape", ["length"], ["ones"], value=helper.make_tensor("value", TensorProto.FLOAT, [1], [1.0])
        ),
        helper.make_node("ReduceSum", ["ones"], ["total"], keepdims=1),
        helper.make_node("Mul", ["size", "zero"], ["zeros"]),
        helper.make_node("Add", ["zeros", "total"], ["variable"]),
    ]
    graph = helper.make_graph(
        nodes,
        "constant_of_shape_of_input",
        [helper.make_tensor_value_info("size", TensorProto.FLOAT, [None, 1])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])],
        initializer=[
            numpy_helper.from_array(np.array([1], dtype=np.int64), "one_dim"),
            numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
        ],
    )
    return _model(graph)


def erf_regressor() -> onnx.ModelProto:
    """variable = 2 * erf(x / 3) + 0.5: Erf is outside the compact set, memory-safe, run by onnxruntime-web."""
    nodes = [
        helper.make_node("Div", ["x", "three"], ["scaled"]),
        helper.make_node("Erf", ["scaled"], ["erf"]),
        helper.make_node("Mul", ["erf", "two"], ["doubled"]),
        helper.make_node("Add", ["doubled", "half"], ["variable"]),
    ]
    graph = helper.make_graph(
        nodes,
        "erf_regressor",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])],
        initializer=[
            numpy_helper.from_array(np.array(3.0, dtype=np.float32), "three"),
            numpy_helper.from_array(np.array(2.0, dtype=np.float32), "two"),
            numpy_helper.from_array(np.array(0.5, dtype=np.float32), "half"),
        ],
    )
    return _model(graph)


def topk_scores() -> onnx.ModelProto:
    """The two largest of three features (TopK with a constant k: outside the set, memory-safe)."""
    nodes = [helper.make_node("TopK", ["X", "k"], ["values", "indices"], axis=1)]
    graph = helper.make_graph(
        nodes,
        "topk_scores",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 3])],
        [
            helper.make_tensor_value_info("values", TensorProto.FLOAT, [None, 2]),
            helper.make_tensor_value_info("indices", TensorProto.INT64, [None, 2]),
        ],
        initializer=[numpy_helper.from_array(np.array([2], dtype=np.int64), "k")],
    )
    return _model(graph)


# (case id, graph, expectation, the op the engine must name)
REFUSALS = (
    ("refusal__constant_of_shape_of_input", constant_of_shape_of_input, "value_dependent_memory", "ConstantOfShape"),
    ("refusal__erf", erf_regressor, "unsupported", "Erf"),
    ("refusal__topk", topk_scores, "unsupported", "TopK"),
)
