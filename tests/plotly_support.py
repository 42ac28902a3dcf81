"""Reading the plotly figures an AppTest page drew back into plain values."""
from __future__ import annotations

import base64
import json

import numpy as np
import plotly.graph_objects as go


def decoded(value):
    """Plotly's JSON packs numeric arrays as {"dtype", "bdata", "shape"} (base64); unpack them to lists."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        if "shape" in value:    # "3, 2" for a 3 x 2 array
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return array.tolist()
    if isinstance(value, dict):
        return {k: decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decoded(v) for v in value]
    return value


def specs(at) -> list[dict]:
    """Every plotly chart on the page, as plain JSON values."""
    return [decoded(json.loads(chart.proto.spec)) for chart in at.get("plotly_chart")]


def figures(at) -> list[go.Figure]:
    """Every plotly chart on the page, as figures."""
    return [go.Figure(spec) for spec in specs(at)]
