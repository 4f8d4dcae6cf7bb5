"""MLflow "model from code" entry of every registered elasticity version.

MLflow copies this file into the logged model and runs it when the model is loaded, so it
must set the model when imported; nothing else imports it. The logic is in
``pipelines.pricing.pyfunc``.
"""

from mlflow.models import set_model

from pipelines.pricing.pyfunc import ElasticityPyfunc

set_model(ElasticityPyfunc())
