"""Navitia JSON objects (stop areas, lines, departures), shaped like the real ``/departures``."""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from replay_upstream.departures_data import PARIS, Departure, modes
from replay_upstream.seed_stations import SERVICES, STATIONS, Destination

FEED_PUBLISHERS = [
    {"id": "sncf", "name": "SNCF PIV Production", "url": "", "license": "Private (unspecified)"},
    {
        "id": "SNCF:sncf-piv",
        "name": "SNCF PIV Production",
        "url": "",
        "license": "Private (unspecified)",
    },
]
PARIS_ADMIN = {
    "id": "admin:fr:75056",
    "name": "Paris",
    "level": 8,
    "zip_code": "75000;75116",
    "label": "Paris (75000-75116)",
    "insee": "75056",
    "coord": {"lon": "2.3483915", "lat": "48.8534951"},
}
LINE_COLORS = {
    "B": ("5291CE", "FFFFFF"),
    "C": ("FFCE00", "000000"),
    "H": ("8D5E2A", "FFFFFF"),
    "J": ("D0D400", "000000"),
    "K": ("9B9842", "FFFFFF"),
    "L": ("CEADD2", "000000"),
    "N": ("00A092", "FFFFFF"),
    "P": ("F0B600", "000000"),
    "R": ("E4B4D1", "000000"),
}


CO2 = {"LongDistanceTrain": 2.36, "Train": 8.82, "LocalTrain": 4.97, "RapidTransit": 4.1}


def fmt(when: datetime) -> str:
    return when.astimezone(PARIS).strftime("%Y%m%dT%H%M%S")


def _coord(uic: str) -> dict[str, str]:
    if uic in STATIONS:
        return {"lon": STATIONS[uic][1], "lat": STATIONS[uic][2]}
    h = zlib.crc32(uic.encode())
    return {
        "lon": f"{-1.5 + (h % 85000) / 10000:.6f}",
        "lat": f"{43.3 + (h // 85000 % 55000) / 10000:.6f}",
    }


def stop_area(uic: str, name: str, city: str, *, admin: bool = False) -> dict[str, Any]:
    area: dict[str, Any] = {
        "id": f"stop_area:SNCF:{uic}",
        "name": name,
        "codes": [{"type": "source", "value": uic}, {"type": "uic", "value": uic}],
        "timezone": "Europe/Paris",
        "label": f"{name} ({city})",
        "coord": _coord(uic),
        "links": [],
    }
    if admin:
        area["administrative_regions"] = [PARIS_ADMIN]
    return area


def station_area(uic: str, *, admin: bool = False) -> dict[str, Any]:
    return stop_area(uic, STATIONS[uic][0], "Paris", admin=admin)


def _slug(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum())[:12]


def _modes_at(uic: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    commercial: dict[str, dict[str, Any]] = {}
    physical: dict[str, dict[str, Any]] = {}
    for service in SERVICES[uic]:
        cm, pm, pm_name, _ = modes(service[0])
        commercial[cm] = {"id": cm, "name": service[0]}
        physical[pm] = {
            "id": f"physical_mode:{pm}",
            "name": pm_name,
            "co2_emission_rate": {"value": CO2[pm], "unit": "gEC/Km"},
        }
    return sorted(commercial.values(), key=lambda m: m["id"]), sorted(
        physical.values(), key=lambda m: m["id"]
    )


def _line(dep: Departure, dest: Destination) -> dict[str, Any]:
    cm, pm, pm_name, _ = modes(dep.network)
    key = f"{_slug(dep.network)}:{dep.code or dest[0]}"
    name = (
        f"{dep.network} {dep.code}"
        if dep.code
        else f"{STATIONS[dep.station][0].split(' - ')[1]} - {dest[1]}"
    )
    color, text_color = LINE_COLORS.get(dep.code, ("", ""))
    return {
        "id": f"line:SNCF:{key}",
        "name": name,
        "code": dep.code,
        "color": color,
        "text_color": text_color,
        "codes": [],
        "physical_modes": [{"id": f"physical_mode:{pm}", "name": pm_name}],
        "commercial_mode": {"id": cm, "name": dep.network},
        "network": {"id": f"network:SNCF:{_slug(dep.network)}", "name": dep.network, "links": []},
        "opening_time": "053400",
        "closing_time": "004200",
        "geojson": {"type": "MultiLineString", "coordinates": []},
        "links": [],
    }


def _stop_date_time(
    dep: Departure, shown: datetime, freshness: str, links: list[dict[str, Any]]
) -> dict[str, Any]:
    times: dict[str, Any] = {
        "departure_date_time": fmt(shown),
        "base_departure_date_time": fmt(dep.base),
        "arrival_date_time": fmt(shown),
        "base_arrival_date_time": fmt(dep.base),
        "additional_informations": [],
        "links": links,
        "data_freshness": freshness,
    }
    if dep.added:  # an added trip has no scheduled time: Navitia leaves the base_* keys out
        del times["base_departure_date_time"], times["base_arrival_date_time"]
    return times


def departure(
    dep: Departure, shown: datetime, freshness: str, disruption_id: str | None
) -> dict[str, Any]:
    cm, pm, pm_name, company = modes(dep.network)
    dest = dep.destination
    line = _line(dep, dest)
    route_id = line["id"].replace("line:", "route:", 1)
    area_dest = stop_area(*dest)
    terminus_link = {
        "type": "stop_area",
        "rel": "terminus",
        "category": "terminus",
        "id": area_dest["id"],
        "internal": True,
    }
    origin_link = {
        "type": "stop_area",
        "rel": "origins",
        "category": "origin",
        "id": f"stop_area:SNCF:{dep.station}",
        "internal": True,
    }
    commercial, physical = _modes_at(dep.station)
    display_links = [{"templated": False, **origin_link}, {"templated": False, **terminus_link}]
    if disruption_id:
        display_links.append(
            {
                "templated": False,
                "rel": "disruptions",
                "internal": True,
                "type": "disruption",
                "id": disruption_id,
            }
        )
    return {
        "route": {
            "id": route_id,
            "name": line["name"],
            "is_frequence": "False",
            "direction_type": "forward",
            "physical_modes": line["physical_modes"],
            "direction": {
                "id": area_dest["id"],
                "name": area_dest["label"],
                "quality": 0,
                "stop_area": area_dest,
                "embedded_type": "stop_area",
            },
            "geojson": {"type": "MultiLineString", "coordinates": []},
            "links": [],
            "line": line,
        },
        "stop_point": {
            "id": f"stop_point:SNCF:{dep.station}:{pm}",
            "name": STATIONS[dep.station][0],
            "label": f"{STATIONS[dep.station][0]} (Paris)",
            "coord": _coord(dep.station),
            "links": [],
            "commercial_modes": commercial,
            "physical_modes": physical,
            "administrative_regions": [PARIS_ADMIN],
            "stop_area": station_area(dep.station, admin=True),
            "equipments": [],
        },
        "stop_date_time": _stop_date_time(dep, shown, freshness, [origin_link, terminus_link]),
        "display_informations": {
            "commercial_mode": dep.network,
            "network": dep.network,
            "direction": area_dest["label"],
            "label": dep.code or line["name"],
            "color": line["color"],
            "code": dep.code,
            "headsign": dep.number,
            "name": line["name"],
            "links": display_links,
            "text_color": line["text_color"],
            "trip_short_name": dep.number,
            "company": company,
            "description": "",
            "physical_mode": pm_name,
            "equipments": [],
        },
        "links": [
            {"type": "line", "id": line["id"]},
            {"type": "company", "id": "company:SNCF:1187"},
            {"type": "vehicle_journey", "id": dep.vehicle_journey},
            {"type": "route", "id": route_id},
            {"type": "commercial_mode", "id": cm},
            {"type": "physical_mode", "id": f"physical_mode:{pm}"},
            {"type": "network", "id": line["network"]["id"]},
        ],
    }
