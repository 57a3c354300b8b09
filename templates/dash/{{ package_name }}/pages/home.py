"""The home page: how a country's life expectancy, population or wealth changed, 1952 to 2007.

The figures are Gapminder's, in the copy plotly ships with plotly.express: nothing is downloaded.
"""

from __future__ import annotations

import dash
import plotly.express as px
from dash import Input, Output, callback, dcc, html
from dash.exceptions import PreventUpdate
from plotly.graph_objects import Figure

from .. import DESCRIPTION, PROJECT_NAME
from ..layout import anchor, links

dash.register_page(__name__, path="/", title=PROJECT_NAME, name="Home")

GAPMINDER = px.data.gapminder()
COUNTRIES = sorted(GAPMINDER["country"].unique())
MEASURES = {
    "lifeExp": "Life expectancy",
    "pop": "Population",
    "gdpPercap": "GDP per person",
}
UNITS = {
    "lifeExp": "{:.1f} years",
    "pop": "{:,.0f} people",
    "gdpPercap": "US${:,.0f} (inflation-adjusted)",
}


def layout(**_query: str) -> html.Div:
    """The page: the chart and its controls, then what else the app has."""
    return html.Div(
        [
            html.H1(PROJECT_NAME),
            html.P(DESCRIPTION, className="lead"),
            html.Div(
                [
                    html.Label(
                        [
                            "Country",
                            dcc.Dropdown(COUNTRIES, "Canada", id="country", clearable=False),
                        ],
                        className="control",
                    ),
                    dcc.RadioItems(
                        [{"label": label, "value": key} for key, label in MEASURES.items()],
                        "lifeExp",
                        id="measure",
                        inline=True,
                        className="control",
                    ),
                ],
                className="controls",
            ),
            dcc.Graph(id="chart", config={"displaylogo": False}, className="card"),
            html.P(id="chart-summary", className="muted"),
            html.Ul(
                [html.Li(anchor(link), className="card") for link in links()],
                className="cards",
            ),
            html.P(
                [
                    "This page is ",
                    html.Code("pages/home.py"),
                    ": its layout, and the callback that draws the chart.",
                ],
                className="muted",
            ),
        ]
    )


@callback(
    Output("chart", "figure"),
    Output("chart-summary", "children"),
    Input("country", "value"),
    Input("measure", "value"),
)
def update_chart(country: str | None, measure: str | None) -> tuple[Figure, str]:
    """Draw `measure` for `country`; keep the chart as it is for anything else."""
    if country not in COUNTRIES or measure not in MEASURES:
        raise PreventUpdate
    rows = GAPMINDER[GAPMINDER["country"] == country]
    figure = px.line(
        rows,
        x="year",
        y=measure,
        markers=True,
        title=f"{MEASURES[measure]} in {country}",
        labels={"year": "Year", measure: MEASURES[measure]},
        template="plotly_white",
    )
    first, last = rows.iloc[0], rows.iloc[-1]
    unit = UNITS[measure]
    summary = (
        f"{MEASURES[measure]} in {country}: {unit.format(first[measure])} in {first['year']}, "
        f"{unit.format(last[measure])} in {last['year']}."
    )
    return figure, summary
