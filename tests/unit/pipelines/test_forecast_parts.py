"""Pure parts of the demand-forecast pipeline: configuration, the panel's end and split,
the demand filter, recipes, and the pyfunc face of a saved forecaster (a real MLflow
save and load of a small fitted TSB)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from forecasting import factory
from forecasting.base import Panel
from pipelines.forecast import data, pyfunc
from pipelines.forecast.config import DEFAULT_CANDIDATES, ForecastConfig
from pipelines.forecast.recipe import Recipe, recipe_of
from pipelines.forecast.train import check_candidates
from pipelines.panels import last_complete_day
from pipelines.stages import PipelineError

START = date(2026, 1, 1)


def _panel(units: list[list[float]], ids: tuple[str, ...] = ("a", "b")) -> Panel:
    y = np.asarray(units, dtype=np.float64)
    return Panel(np.array(ids[: len(y)]), START, y, np.full(y.shape, 9.5),
                 np.zeros(y.shape, dtype=bool))  # fmt: skip


def test_the_lstm_forecasts_the_runs_horizon_with_its_seed_and_threads() -> None:
    cfg = ForecastConfig(database_url="sqlite:///x.db", horizon=14, seed=3, task_threads=2,
                         params={"lstm": {"hidden_size": 64, "threads": 8, "seed": 5}})  # fmt: skip

    lstm = cfg.model_params("lstm")

    assert lstm["horizon"] == 14
    assert lstm["seed"] == 5  # the run's params win over the run's seed...
    assert lstm["threads"] == 2  # ...but not over the task's threads
    assert lstm["hidden_size"] == 64
    assert lstm["max_epochs"] == 8  # the pipeline's budget under the run's params
    assert cfg.model_params("tsb") == {}
    assert "lstm" not in DEFAULT_CANDIDATES


def test_config_as_dict_hides_the_database_password() -> None:
    cfg = ForecastConfig(database_url="postgresql+psycopg://agora:s3cret@db:5432/agora",
                         candidates=("tsb",), params={"tsb": {"alpha": 0.1}})  # fmt: skip

    assert "database_url" not in cfg.as_dict()
    assert cfg.as_dict()["candidates"] == ["tsb"]
    assert cfg.as_dict()["params"] == {"tsb": {"alpha": 0.1}}
    assert cfg.source()["database"] == "postgresql+psycopg://agora@db:5432/agora"
    assert "s3cret" not in str(cfg.source())


def test_the_split_keeps_a_validation_window_before_the_test_windows() -> None:
    split = data.split_for(130, horizon=28, windows=3)

    assert split.origins == (46, 74, 102)  # the last three windows of 28 days
    assert split.validation_origin == 18  # the window before them
    assert split.test_start == 46
    assert data.Split.from_dict(split.as_dict()) == split


def test_a_short_panel_gets_fewer_test_windows_and_a_too_short_one_none() -> None:
    split = data.split_for(120, horizon=28, windows=3)

    assert split.windows == 2
    assert split.origins == (64, 92)
    assert split.validation_origin == 36
    with pytest.raises(ValueError, match="needs 70"):
        data.split_for(69, horizon=28, windows=3)
    assert data.split_for(70, horizon=28, windows=3).origins == (42,)


def test_the_last_day_is_left_out_while_it_is_being_lived() -> None:
    placed = pa.chunked_array([pa.array([datetime(2026, 1, 3, 9, tzinfo=UTC),
                                         datetime(2026, 1, 5, 23, tzinfo=UTC)],
                                        pa.timestamp("us", tz="UTC"))])  # fmt: skip

    assert last_complete_day(placed, "2026-01-05T23:30:00+00:00") == date(2026, 1, 4)
    assert last_complete_day(placed, "2026-01-06T00:00:00+00:00") == date(2026, 1, 5)
    assert last_complete_day(placed, "2026-03-01T00:00:00+00:00") == date(2026, 1, 5)
    assert last_complete_day(placed, None) == date(2026, 1, 5)


def test_demand_lines_keep_paid_orders_in_the_export_columns() -> None:
    n = 4
    batch = pa.table({
        "sku_id": ["s1", "s2", "s3", "s4"], "product_id": ["p"] * n, "quantity": [1] * n,
        "refunded_quantity": [0] * n, "unit_price_minor": [100] * n,
        "list_price_minor": [100] * n, "price_rule": ["list"] * n, "currency": ["CNY"] * n,
        "placed_at": pa.array([datetime(2026, 1, 1, tzinfo=UTC)] * n,
                              pa.timestamp("us", tz="UTC")),
        "status": ["paid", "cancelled", "refunded", "pending_payment"],
        "buyer_id": ["u"] * n,  # a column the panel does not read
    })  # fmt: skip

    kept = data.demand_lines(batch)

    assert kept.column_names == data.ORDER_COLUMNS
    assert kept["sku_id"].to_pylist() == ["s1", "s3"]


def test_the_panel_starts_on_the_first_sale_and_survives_a_round_trip(tmp_path: Path) -> None:
    panel = _panel([[0, 0, 0, 1, 0, 2], [0, 0, 3, 0, 0, 0]])

    trimmed = data.trim_leading(panel)
    data.write_panel(tmp_path / data.PANEL_FILE, trimmed)
    again = data.read_panel(tmp_path)

    assert trimmed.start == START + timedelta(days=2)
    assert trimmed.units.tolist() == [[0, 1, 0, 2], [3, 0, 0, 0]]
    assert again.start == trimmed.start
    assert again.series_ids.tolist() == ["a", "b"]
    np.testing.assert_array_equal(again.units, trimmed.units)
    np.testing.assert_array_equal(again.price, trimmed.price)
    assert again.promo.dtype == bool


def test_a_recipe_is_its_name_and_params_without_how_it_ran(tmp_path: Path) -> None:
    panel = _panel([[0, 1, 0, 2, 1, 0, 0, 3] * 3, [1, 0, 0, 0, 2, 0, 1, 0] * 3])
    factory.make("croston", alpha=0.2).fit(panel).save(tmp_path / "m")

    saved = recipe_of(tmp_path / "m")

    assert saved == Recipe("croston", {"alpha": 0.2, "sba": True})
    assert saved.same_as(Recipe("croston", {"sba": True, "alpha": 0.2}))
    one_thread = Recipe("lstm", {"lr": 0.001, "threads": 1})
    assert one_thread.same_as(Recipe("lstm", {"lr": 0.001, "threads": 4}))
    assert not saved.same_as(Recipe("croston", {"alpha": 0.1, "sba": True}))
    assert not saved.same_as(Recipe("tsb", {"alpha": 0.2, "sba": True}))


def test_candidates_must_be_known_and_distinct() -> None:
    assert check_candidates(("tsb", "lstm")) == ("tsb", "lstm")
    with pytest.raises(PipelineError, match="unknown forecaster"):
        check_candidates(("tsb", "prophet"))
    with pytest.raises(PipelineError, match="each once"):
        check_candidates(("tsb", "tsb"))
    with pytest.raises(PipelineError, match="at least one"):
        check_candidates(())


def test_the_pyfunc_forecasts_the_series_asked_for(tmp_path: Path) -> None:
    import mlflow

    panel = _panel([[0, 2, 0, 1, 3, 0, 1] * 4, [1, 1, 0, 2, 0, 1, 1] * 4])
    model_dir = tmp_path / "train" / pyfunc.MODEL_DIR
    fitted = factory.make("tsb").fit(panel)
    fitted.save(model_dir)
    settings = tmp_path / pyfunc.SETTINGS_FILE
    settings.write_text('{"horizon": 5}')
    mlflow.pyfunc.save_model(
        tmp_path / "logged", python_model=str(pyfunc.CODE_FILE),
        artifacts={pyfunc.MODEL_DIR: str(model_dir), pyfunc.SETTINGS: str(settings)},
        signature=pyfunc.SIGNATURE, input_example=pyfunc.input_example("a", 3),
    )  # fmt: skip
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "logged"))

    asked = loaded.predict(pd.DataFrame({"series_id": ["b", "nope"], "horizon": [2, 4]}))
    default = loaded.predict(pd.DataFrame({"series_id": ["a"]}))

    expected = fitted.predict(5, quantiles=pyfunc.QUANTILES)
    assert list(asked.columns) == ["series_id", "date", "mean", "q0.05", "q0.1", "q0.5", "q0.9",
                                   "q0.95"]  # fmt: skip
    assert asked["series_id"].tolist() == ["b", "b"]  # an unknown series gets no rows
    first_day = pd.Timestamp(panel.end + timedelta(days=1))
    assert asked["date"].tolist() == [first_day, first_day + pd.Timedelta(days=1)]
    np.testing.assert_allclose(asked["mean"], expected.mean[1, :2])
    assert default["series_id"].tolist() == ["a"] * 5  # the registered run's horizon
    np.testing.assert_allclose(default["q0.9"], expected.quantiles[0.9][0])
    assert (default["q0.05"] <= default["q0.95"]).all()


def test_forecast_rows_default_a_missing_horizon_and_refuse_a_bad_one() -> None:
    fitted = factory.make("seasonal_naive").fit(_panel([[1, 0, 2, 0, 1, 3, 0] * 3]))
    frame = pd.DataFrame({"series_id": ["a", "a"], "horizon": [1.0, np.nan]})

    rows = pyfunc.forecast_frame(fitted, frame, 3)

    assert len(rows) == 4
    assert rows["mean"].tolist() == [1.0, 1.0, 0.0, 2.0]  # the same weekdays of the last week
    with pytest.raises(ValueError, match="at least 1"):
        pyfunc.forecast_frame(fitted, pd.DataFrame({"series_id": ["a"], "horizon": [0]}), 3)
    assert pyfunc.forecast_frame(fitted, pd.DataFrame({"series_id": []}), 3).empty
