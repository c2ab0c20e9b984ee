"""The report as one HTML document with its print stylesheet: the PDF is this page
printed by WeasyPrint, and the browser shows the same content (Ctrl+P prints it A4)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from coc import fmt
from coc.reports import charts
from coc.reports.monthly import STATUS_ORDER, IndicatorLine, MonthlyReport, value_text
from coc.reports.texts import text

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def stylesheet() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def _helpers(lang: str) -> dict[str, Any]:
    return {
        "t": lambda key, **kw: text(key, lang, **kw),
        "num": lambda v, d=1: fmt.number(v, d, lang),
        "pct": lambda v: fmt.percent(v, lang),
        "val": lambda line, v: value_text(line, v, lang),
        "moment": lambda v: fmt.moment(v, lang),
        "spark": lambda line: Markup(charts.sparkline(line.trend, _monthly_target(line))),
        "bars": lambda rows: Markup(charts.bars(rows, lang=lang)),
        "statuses": STATUS_ORDER,
        "lang": lang,
    }


def _monthly_target(line: IndicatorLine) -> float | None:
    """The target line belongs on a trend only for rates and levels, never for sums
    (a monthly count against a yearly cumulative target would mislead)."""
    return line.target if line.unit == "%" else None


def render_monthly(report: MonthlyReport, lang: str = "vi", inline_css: bool = True) -> str:
    template = _env().get_template("monthly.html")
    return template.render(
        r=report,
        css=Markup(stylesheet()) if inline_css else None,
        score_bars=[(f"{g.code}. {g.name}", g.points, g.max_points) for g in report.scorecard],
        **_helpers(lang),
    )


def render_province(report: Any, lang: str = "vi", inline_css: bool = True) -> str:
    template = _env().get_template("province.html")
    return template.render(
        r=report, css=Markup(stylesheet()) if inline_css else None, **_helpers(lang)
    )
