"""Agora's training pipelines: restartable stages on Ray, tracked and registered in MLflow.

The only home of Ray and MLflow besides ``serving`` (which loads registered versions).
How to run them and what each stage writes: ``docs/ml/pipelines.md``.
"""
