"""The plan on a map without tiles: communities coloured by covered share, hosts with their walking radii.

A Vega-Lite layer chart in the scenario's own coordinates (identity projection, so distances keep their
proportions; lon/lat scenarios are turned into local metres first). A drop-down picks the service: it
recolours the communities and shows that service's hosts and radii. New buildings are coloured by mode;
existing facilities are drawn kept (filled) or closed (hollow cross).

The radius circle is the straight-line reach: radius ÷ detour factor when walking distance is straight line
× detour; with an OD table or a network the true reach lies inside the drawn circle (walking is never shorter
than the straight line).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from siting.report.charts import _spec, mode_scale
from siting.report.lang import Text
from siting.report.tables import coverage_table, selected_table, service_label
from siting.scenario.schema import MODE_LABELS, MODES

EARTH_RADIUS_M = 6_371_008.8
CIRCLE_POINTS = 48
MAP_WIDTH = 760
CIRCLES = "walking_radius"  # the name of the circles' dataset in the spec


def local_metres(xy: np.ndarray, crs: str, origin: np.ndarray) -> np.ndarray:
    """Coordinates in metres: planar as given, lon/lat by an equirectangular projection around `origin`."""
    if crs == "planar":
        return xy - origin
    lat0 = np.radians(origin[1])
    scale = np.radians(1.0) * EARTH_RADIUS_M
    return np.column_stack([(xy[:, 0] - origin[0]) * scale * np.cos(lat0), (xy[:, 1] - origin[1]) * scale])


def _circles(hosts: pd.DataFrame, radius: dict[str, float]) -> list[dict]:
    """GeoJSON polygon features: one circle per host × service around (mx, my)."""
    angle = np.linspace(0, 2 * np.pi, CIRCLE_POINTS + 1)
    features = []
    for r in hosts.itertuples():
        ring = np.column_stack([r.mx + radius[r.service] * np.cos(angle), r.my + radius[r.service] * np.sin(angle)])
        ring[-1] = ring[0]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [np.round(ring[::-1], 1).tolist()]},
                "properties": {"service": r.service, "name": r.name},
            }
        )
    return features


def _hosts(result, t: Text) -> pd.DataFrame:
    """One row per host × service: new buildings (by mode) and existing facilities (kept or closed)."""
    sel = selected_table(result)
    rows = [
        (r.building, r.name, s, r.x, r.y, t(*MODE_LABELS[r.mode]), "new")
        for r in sel.itertuples()
        for s in r.services.split(";")
        if s  # a building acquired for no service (it costs nothing) has no dot
    ]
    existing = result.evaluation.existing.sort_values("facility")
    kept, closed = t("现有保留", "existing, kept"), t("现有关闭", "existing, closed")
    rows += [
        (r.facility, r.name, s, r.x, r.y, kept if r.status == "kept" else closed, r.status)
        for r in existing.itertuples()
        for s in r.services
    ]
    return pd.DataFrame(rows, columns=["id", "name", "service", "x", "y", "kind", "status"])


def plan_map(result, t: Text) -> dict:
    """The map as a Vega-Lite spec (see the module docstring)."""
    cfg, scenario = result.scenario.config, result.scenario
    services = list(cfg.services)
    labels = {k: t(*service_label(result, k)) for k in services}
    communities = scenario.communities
    xy = communities[["x", "y"]].to_numpy(float)
    origin = xy.mean(axis=0) if len(xy) else np.zeros(2)
    cm = local_metres(xy, cfg.crs, origin)
    cov = coverage_table(result)
    comm = pd.DataFrame(
        {
            "id": communities.index,
            "name": communities["name"].astype(str).to_numpy(),
            "district": communities["district"].fillna("").astype(str).to_numpy() if "district" in communities else "",
            "mx": cm[:, 0].round(1),
            "my": cm[:, 1].round(1),
        }
    )
    for key in services:
        part = cov[cov["service"] == key].set_index("community").reindex(communities.index)
        comm[f"share_{key}"] = part["covered_share"].round(4).to_numpy()
        comm[f"persons_{key}"] = part["persons"].round(0).to_numpy()
        comm[f"served_{key}"] = part["served_by_name"].fillna("").to_numpy()
    hosts = _hosts(result, t)
    hm = local_metres(hosts[["x", "y"]].to_numpy(float), cfg.crs, origin) if len(hosts) else np.zeros((0, 2))
    hosts = hosts.assign(mx=hm[:, 0].round(1), my=hm[:, 1].round(1)).drop(columns=["x", "y"])
    straight = cfg.walking.od_table is None and cfg.walking.network is None
    radius = {k: s.radius_m / (cfg.walking.detour_factor if straight else 1.0) for k, s in cfg.services.items()}

    service = alt.param(
        name="service",
        value=services[0],
        bind=alt.binding_select(options=services, labels=[labels[k] for k in services], name=t("服务 ", "Service ")),
    )
    on_service = alt.datum.service == service
    lon, lat = alt.Longitude("mx:Q"), alt.Latitude("my:Q")

    circles = (
        alt.Chart(alt.Data(name=CIRCLES))
        .mark_geoshape(fill="#9ecae1", fillOpacity=0.12, stroke="#3182bd", strokeWidth=0.8, strokeDash=[4, 3])
        .transform_filter(f"datum.properties.service == {service.name}")
    )
    share_title = t("覆盖率", "Covered share")
    dots = (
        alt.Chart(comm)
        .transform_calculate(share=f"datum['share_' + {service.name}]", persons=f"datum['persons_' + {service.name}]")
        .transform_calculate(served=f"datum['served_' + {service.name}]")
        .mark_circle(size=90, opacity=0.9, stroke="#333", strokeWidth=0.5)
        .encode(
            longitude=lon,
            latitude=lat,
            color=alt.Color(
                "share:Q",
                title=share_title,
                scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen"),
                legend=alt.Legend(format="%", orient="right"),
            ),
            tooltip=[
                alt.Tooltip("name:N", title=t("社区", "Community")),
                alt.Tooltip("district:N", title=t("街道", "District")),
                alt.Tooltip("share:Q", title=share_title, format=".0%"),
                alt.Tooltip("persons:Q", title=t("服务人群人数", "Persons in the group"), format=",.0f"),
                alt.Tooltip("served:N", title=t("服务设施", "Served by")),
            ],
        )
    )
    used = [m for m in MODES if m in set(selected_table(result)["mode"])]
    kinds = mode_scale(t, used)
    kind_names = [*kinds.domain, t("现有保留", "existing, kept"), t("现有关闭", "existing, closed")]
    kind_colours = [*kinds.range, "#252525", "#969696"]
    sites = (
        alt.Chart(hosts)
        .transform_filter(on_service)
        .mark_point(size=140, filled=True, strokeWidth=2)
        .encode(
            longitude=lon,
            latitude=lat,
            color=alt.Color(
                "kind:N",
                title=t("设施", "Hosts"),
                scale=alt.Scale(domain=kind_names, range=kind_colours),
                legend=alt.Legend(orient="right", labelLimit=220),
            ),
            shape=alt.Shape(
                "status:N",
                scale=alt.Scale(domain=["new", "kept", "closed"], range=["square", "triangle-up", "cross"]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("name:N", title=t("设施", "Host")),
                alt.Tooltip("id:N", title=t("编号", "Id")),
                alt.Tooltip("kind:N", title=t("方式/状态", "Mode/status")),
            ],
        )
    )
    extent = np.vstack([cm, hosts[["mx", "my"]].to_numpy(float)]) if len(hosts) else cm
    span = np.ptp(extent, axis=0) if len(extent) else np.ones(2)
    height = int(np.clip(MAP_WIDTH * span[1] / max(span[0], 1.0), 300, 900))
    chart = (
        alt.layer(circles, dots, sites)
        .add_params(service)
        .project(type="identity", reflectY=True)
        .resolve_scale(color="independent")
        .properties(width=MAP_WIDTH, height=height, title=t("方案地图", "Plan map"))
    )
    spec = _spec(chart)
    # The circles join the spec only now: Altair deep-copies inline values at every step of building a chart
    # (they were half of report.html's time), and a named dataset is not copied.
    spec.setdefault("datasets", {})[CIRCLES] = _circles(hosts[hosts["status"] != "closed"], radius)
    return spec
