"""Pure figure builders: no browser, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from dashboards import figures


def test_sparkline_svg_breaks_line_at_missing_months():
    uri = figures.sparkline_svg([10.0, 20.0, None, 30.0, 40.0], "green", width=40, height=20)
    svg = unquote(uri.removeprefix("data:image/svg+xml;utf8,"))
    assert 'stroke="#1a9850"' in svg
    # x step 10; y from 4 (max 40) to 16 (min 10); two segments around the gap
    assert '<polyline points="0.0,16.0 10.0,12.0"/>' in svg
    assert '<polyline points="30.0,8.0 40.0,4.0"/>' in svg


def test_sparkline_svg_single_point_and_empty():
    svg = unquote(figures.sparkline_svg([None, 5.0, None], None, width=20, height=10))
    assert '<circle cx="10.0" cy="5.0" r="3" fill="#8c8c8c"/>' in svg
    empty = unquote(figures.sparkline_svg([None, None], "red"))
    assert "polyline" not in empty and "circle" not in empty


def test_downsample_keeps_extremes_and_caps_points():
    xs = list(range(10_000))
    ys = [float(i % 100) for i in xs]
    ys[5_000] = 999.0
    out_x, out_y = figures.downsample(xs, ys, limit=1000)
    assert len(out_x) <= 1000
    assert 999.0 in out_y and 0.0 in out_y
    assert out_x == sorted(out_x)
    assert figures.downsample([1, 2], [3.0, 4.0], limit=10) == ([1, 2], [3.0, 4.0])


def test_series_chart_has_target_line():
    fig = figures.series_chart([("202610", 70.0), ("202611", 72.5)], 80.0, "TK", "Mục tiêu", "%")
    assert list(fig.data[0].x) == ["10/2026", "11/2026"]
    assert list(fig.data[0].y) == [70.0, 72.5]
    assert list(fig.data[1].y) == [80.0, 80.0]
    assert fig.data[1].name == "Mục tiêu: 80"


def test_sensor_chart_downsamples_and_draws_thresholds():
    start = datetime(2026, 11, 1, tzinfo=UTC)
    times = [start + timedelta(minutes=5 * i) for i in range(8_640)]
    values = [1.0 + (i % 12) / 10 for i in range(8_640)]
    fig = figures.sensor_chart(times, values, "mn-01", "m", [("Báo động 1", 3.5)])
    assert len(fig.data[0].x) <= figures.MAX_POINTS
    assert fig.layout.shapes[0].y0 == 3.5
    assert fig.layout.annotations[0].text == "Báo động 1: 3,5"


def test_scorecard_chart_bars():
    groups = [("1. Công khai", None, 18.0), ("2. Tiến độ", 15.8, 20.0), ("3. DVC", 22.0, 22.0)]
    fig = figures.scorecard_chart(groups, "766")
    assert list(fig.data[0].x) == [18.0, 20.0, 22.0]  # maximum per group
    assert list(fig.data[1].x) == [0.0, 15.8, 22.0]  # points; unknown drawn as empty
    assert list(fig.data[2].text) == ["—/18", "15,8/20", "22,0/22"]
    assert fig.layout.xaxis.range == (0, 27.5)  # room for the labels
    # long names wrap onto two lines so the bars keep room on a phone
    assert list(fig.data[0].y) == ["1. Công khai", "2. Tiến độ", "3. DVC"]
    wide = figures.scorecard_chart([("2. Tiến độ, kết quả giải quyết", 15.0, 20.0)], "")
    assert list(wide.data[0].y) == ["2. Tiến độ, kết<br>quả giải quyết"]
    assert list(figures.scorecard_chart(groups, "", lang="en").data[2].text)[1] == "15.8/20"


def test_device_map_uses_bundled_boundary_and_no_tiles():
    devices = [
        {"name": "Camera 1", "kind": "camera", "lat": 20.8368, "lon": 105.9012, "online": True},
        {"name": "Loa 1", "kind": "speaker", "lat": 20.8359, "lon": 105.9001, "online": False},
        {"name": "Không vị trí", "kind": "sensor", "lat": None, "lon": None, "online": True},
    ]
    labels = {"camera": "Camera", "speaker": "Loa", "sensor": "Cảm biến",
              "online": "Trực tuyến", "offline": "Mất kết nối"}  # fmt: skip
    fig = figures.device_map(devices, labels)
    assert fig.data[0].fill == "toself"  # commune boundary polygon
    names = [t.name for t in fig.data[1:]]
    assert names == ["Camera – Trực tuyến", "Loa – Mất kết nối"]
    assert fig.data[2].marker.symbol == "diamond-open"
    assert all(t.type == "scatter" for t in fig.data)  # no map tiles needed
    props = figures.boundary()["features"][0]["properties"]
    assert props["approximate"] is True and "APPROXIMATE" in props["note"]
