"""The pages' SVG charts: well-formed SVG named by its title and description, the numbers
again as a table, the forecast's interval drawn as a band between its lower and upper
bounds, and no data drawn as a plain message."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from serving.web.charts import HEIGHT, BandPoint, Point, Texts, band_chart, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
TEXTS = Texts("Sales <per day>", "Net sales & refunds", "Data as a table", "Day", "Sales", "None")


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # the whole figure must be well-formed XML


def _svg(figure: ET.Element) -> ET.Element:
    svg = figure.find(f"{SVG}svg")
    assert svg is not None
    return svg


def test_a_line_chart_is_named_and_has_its_data_as_a_table() -> None:
    figure = _parse(line_chart("c1", [Point("11-01", 3), Point("11-02", 5, "¥5.00")], TEXTS))
    svg = _svg(figure)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.findtext(f"{SVG}title") == "Sales <per day>"  # escaped, then read back
    assert svg.findtext(f"{SVG}desc") == "Net sales & refunds"
    assert len(svg.findall(f"{SVG}circle")) == 2
    rows = [[c.text for c in tr] for tr in figure.iter("tr")]
    assert rows == [["Day", "Sales"], ["11-01", "3"], ["11-02", "¥5.00"]]
    assert figure.findtext("details/summary") == "Data as a table"


def test_a_bar_chart_draws_one_bar_per_point_scaled_to_the_largest() -> None:
    svg = _svg(_parse(bar_chart("c2", [Point("a", 10), Point("b", 40), Point("c", 0)], TEXTS)))
    bars = svg.findall(f"{SVG}rect")
    heights = [float(b.get("height", "0")) for b in bars]
    assert len(bars) == 3
    assert heights[1] == max(heights)
    assert heights[2] == 0
    assert abs(heights[0] * 4 - heights[1]) < 0.5


def _points(attr: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in attr.split())]


def test_the_forecast_band_lies_between_its_lower_and_upper_bounds() -> None:
    history = [Point(f"d{i}", v) for i, v in enumerate([1, 3, 2])]
    forecast = [BandPoint("f0", 2, 1, 4), BandPoint("f1", 3, 2, 6), BandPoint("f2", 2.5, 0.5, 5)]
    figure = _parse(band_chart("c3", history, forecast, TEXTS,
                               headings=("Day", "Sold", "Mean", "Lower", "Upper")))  # fmt: skip
    svg = _svg(figure)
    band = svg.find(f"{SVG}polygon")
    mean = svg.find(f"{SVG}polyline[@class='mean']")
    assert band is not None
    assert mean is not None
    corners = _points(band.get("points", ""))
    upper, lower = corners[:3], corners[3:][::-1]
    means = _points(mean.get("points", ""))
    for (ux, uy), (lx, ly), (mx, my) in zip(upper, lower, means, strict=True):
        assert ux == lx == mx  # the same day
        assert uy < my < ly  # SVG y grows downward: upper above the mean above lower
        assert 0 <= uy <= HEIGHT
    assert svg.find(f"{SVG}polyline[@class='history']") is not None
    rows = [[c.text or "" for c in tr] for tr in figure.iter("tr")]
    assert rows[0] == ["Day", "Sold", "Mean", "Lower", "Upper"]
    assert rows[4] == ["f0", "", "2", "1", "4"]


def test_a_forecast_without_an_interval_draws_no_band() -> None:
    svg = _svg(_parse(band_chart("c4", [], [BandPoint("f0", 2), BandPoint("f1", 3)], TEXTS,
                                 headings=("Day", "Sold", "Mean", "Lower", "Upper"))))  # fmt: skip
    assert svg.find(f"{SVG}polygon") is None
    assert svg.find(f"{SVG}polyline[@class='mean']") is not None


def test_no_data_is_said_in_a_well_formed_chart() -> None:
    for chart in (line_chart("e1", [], TEXTS), bar_chart("e2", [], TEXTS),
                  band_chart("e3", [], [], TEXTS, headings=("a", "b", "c", "d", "e"))):  # fmt: skip
        svg = _svg(_parse(chart))
        assert svg.findtext(f"{SVG}title") == "Sales <per day>"
        assert [t.text for t in svg.findall(f"{SVG}text")] == ["None"]
        assert svg.find(f"{SVG}polyline") is None


def test_all_zero_values_stay_inside_the_plot() -> None:
    svg = _svg(_parse(line_chart("z", [Point("a", 0), Point("b", 0)], TEXTS)))
    line = svg.find(f"{SVG}polyline")
    assert line is not None
    assert all(0 <= y <= HEIGHT for _, y in _points(line.get("points", "")))


def test_axis_values_stay_short_enough_for_the_margin() -> None:
    from serving.web.charts import _num

    assert [_num(v) for v in (0, 52.5, 7500, 10_000, 75_000, 100_000, 1_250_000)] == [
        "0", "52.5", "7500", "10k", "75k", "100k", "1.2M"]  # fmt: skip
