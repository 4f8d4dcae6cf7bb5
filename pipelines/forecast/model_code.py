"""MLflow "model from code" entry of every registered demand-forecast version.

MLflow copies this file into the logged model and runs it when the model is loaded, so it
must set the model when imported; nothing else imports it. The logic is in
``pipelines.forecast.pyfunc``.
"""

from mlflow.models import set_model

from pipelines.forecast.pyfunc import ForecastModel

set_model(ForecastModel())
