"""edge_training: train the project's models in Python, export them to ONNX, track them in MLflow.

Entry point: ``python -m edge_training.train`` (wrapped by ``scripts/training/train-all.sh``).
"""

__version__ = "0.1.0"
