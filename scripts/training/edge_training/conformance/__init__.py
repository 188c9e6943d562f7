"""Conformance suite of the compact TypeScript engine (worker/engine/) against Python onnxruntime.

``python -m edge_training.conformance <dir>`` exports every supported model family with skl2onnx /
onnxmltools, feeds each graph edge-case rows and writes onnxruntime's outputs beside the model, in a
form ``scripts/engine/conformance-runner.ts`` reads without dependencies (see :mod:`.cases`).
"""
