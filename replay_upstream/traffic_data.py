"""``comptages-routiers-permanents``: one row per arc per published hour.

Arcs come from :mod:`.traffic_arcs`. Hourly values are a pure function of (seed, arc, hour):
rush-hour profile x arc load x noise, with the real quirks (null q very often, null k
sometimes, closed and invalid arcs, one phantom ``iu_ac = "*"`` row with every other field
null). Hours up to the last full hour of the replay clock (minus a lag) are published.

Late corrections (off by default, ``late_share``): an hour is first published with the counts
of a share of its arcs not in yet (``q`` and ``k`` null) or counted over part of the hour
(``q`` low), and completed ``late_hours`` after its ``t_1h``; once completed, its rows are the
same as without corrections. Which arcs is a pure function of (seed, hour).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from replay_upstream.clock import ReplayClock, floor_hour
from replay_upstream.dataset import Dataset, FieldSpec, Row
from replay_upstream.traffic_arcs import N_ARCS, make_arcs

PARIS = ZoneInfo("Europe/Paris")
BARRE = ("Ouvert", "Barré", "Invalide")
# fmt: off
WEEKDAY = (0.12, 0.08, 0.06, 0.06, 0.1, 0.25, 0.55, 0.92, 1.08, 0.97, 0.82, 0.8,
           0.83, 0.8, 0.8, 0.86, 0.97, 1.08, 1.06, 0.9, 0.7, 0.55, 0.43, 0.28)
WEEKEND = (0.25, 0.18, 0.14, 0.1, 0.08, 0.1, 0.16, 0.25, 0.38, 0.52, 0.64, 0.72,
           0.75, 0.74, 0.74, 0.77, 0.8, 0.8, 0.76, 0.7, 0.6, 0.52, 0.45, 0.35)
FIELDS = tuple(FieldSpec(name, kind, label) for name, kind, label in (
    ("iu_ac", "text", "Identifiant arc"), ("libelle", "text", "Libellé"),
    ("t_1h", "datetime", "Date et heure de comptage"), ("q", "double", "Débit horaire"),
    ("k", "double", "Taux d'occupation"), ("etat_trafic", "text", "Etat trafic"),
    ("iu_nd_amont", "text", "Identifiant noeud amont"),
    ("libelle_nd_amont", "text", "Libellé noeud amont"),
    ("iu_nd_aval", "text", "Identifiant noeud aval"),
    ("libelle_nd_aval", "text", "Libellé noeud aval"), ("etat_barre", "text", "Etat arc"),
    ("date_debut", "date", "Date debut dispo data"), ("date_fin", "date", "Date fin dispo data"),
    ("geo_point_2d", "geo_point_2d", "geo_point_2d"), ("geo_shape", "geo_shape", "geo_shape"),
))
# fmt: on


def etat_trafic(k: float | None) -> str:
    if k is None:
        return "Inconnu"
    return "Fluide" if k < 15 else "Pré-saturé" if k < 30 else "Saturé" if k < 50 else "Bloqué"


class TrafficDataset(Dataset):
    id = "comptages-routiers-permanents"
    title = "Comptage routier - Données trafic issues des capteurs permanents"
    publisher = "Direction de la Voirie et des Déplacements - Ville de Paris"
    fields = FIELDS
    partition_field = "t_1h"

    def __init__(
        self,
        clock: ReplayClock,
        *,
        seed: int = 0,
        history_hours: int = 48,
        lag_hours: int = 0,
        cache_hours: int = 24,
        late_share: float = 0.0,
        late_hours: int = 24,
    ) -> None:
        self.clock, self.seed = clock, seed
        self.history_hours, self.lag_hours = history_hours, lag_hours
        self.arcs = make_arcs(seed)
        names = [f.name for f in FIELDS]
        self._templates = [{n: arc.get(n) for n in names} for arc in self.arcs]
        self._static = {
            "load": np.array([a["load"] for a in self.arcs]),
            "shift": np.array([a["rush_shift"] for a in self.arcs]),
            "barre": np.array([a["barre"] for a in self.arcs]),
            "capacity": np.array([a["capacity"] for a in self.arcs]),
            "k_never": np.array([a["k_never"] for a in self.arcs]),
            "q_never": np.array([a["q_never"] for a in self.arcs]),
        }
        self.phantom: dict[str, Any] = {f.name: None for f in FIELDS} | {"iu_ac": "*"}
        self._cache: OrderedDict[tuple[datetime, bool], list[Row]] = OrderedDict()
        self._cache_hours = cache_hours
        self.late_share, self.late_hours = 0.0, 24
        self.set_corrections(late_share, late_hours)
        self.silenced: dict[datetime, float] = {}
        """Hours (``t_1h``, UTC) where a share of the arcs reports nothing (see :meth:`silence`)."""

    def silence(self, t_1h: datetime, share: float) -> None:
        """Publish the hour ``t_1h`` with ``share`` of its arcs silent (``q`` and ``k`` null,
        for good: a half-silent hour for the completeness ledger); 0 restores it."""
        if not 0.0 <= share <= 1.0:
            raise ValueError("share must be within [0, 1]")
        hour = t_1h.astimezone(UTC)
        if share:
            self.silenced[hour] = share
        else:
            self.silenced.pop(hour, None)
        for key in [key for key in self._cache if key[0] == hour]:
            del self._cache[key]

    def set_corrections(self, late_share: float, late_hours: int = 24) -> None:
        """Publish each hour provisional for ``late_hours``, ``late_share`` of its arcs late."""
        if not 0.0 <= late_share <= 1.0 or late_hours < 1:
            raise ValueError("late_share must be within [0, 1] and late_hours at least 1")
        if late_share != self.late_share:  # provisional hours drawn with the old share
            for key in [key for key in self._cache if key[1]]:
                del self._cache[key]
        self.late_share, self.late_hours = late_share, late_hours

    def provisional(self, t_1h: datetime) -> bool:
        """The hour is published but not completed yet."""
        return self.late_share > 0 and self.clock.now() < t_1h + timedelta(hours=self.late_hours)

    def published_until(self) -> datetime:
        """The last published ``t_1h`` (end of the last full hour, minus the lag)."""
        return floor_hour(self.clock.now()) - timedelta(hours=self.lag_hours)

    def hours(self) -> list[datetime]:
        last = self.published_until()
        first = floor_hour(self.clock.origin) - timedelta(
            hours=self.lag_hours + self.history_hours - 1
        )
        count = int((last - first).total_seconds() // 3600) + 1
        return [first + timedelta(hours=i) for i in range(max(count, 0))]

    def partitions(self) -> Sequence[Hashable]:
        return [None, *self.hours()]

    def size(self, key: Hashable) -> int:
        return 1 if key is None else N_ARCS

    static_fields = frozenset(f.name for f in FIELDS) - {
        "t_1h",
        "q",
        "k",
        "etat_trafic",
        "etat_barre",
    }

    def templates(self, key: Hashable) -> Sequence[Row]:
        return [self.phantom] if key is None else self._templates

    def data_processed(self) -> datetime:
        return min(self.published_until() + timedelta(minutes=7), self.clock.now())

    def rows(self, key: Hashable) -> Sequence[Row]:
        if key is None:
            return [self.phantom]
        assert isinstance(key, datetime)
        cached = (key, self.provisional(key))
        if cached not in self._cache:
            self._cache[cached] = self._hour(*cached)
            if len(self._cache) > self._cache_hours:
                self._cache.popitem(last=False)
        self._cache.move_to_end(cached)
        return self._cache[cached]

    def _hour(self, t_1h: datetime, provisional: bool = False) -> list[Row]:
        """All arcs for one hour, vectorised: ~10 ms for 2,977 rows."""
        rng = np.random.default_rng([self.seed, int(t_1h.timestamp())])
        start = (t_1h - timedelta(hours=1)).astimezone(PARIS)
        profile = np.array(WEEKEND if start.weekday() >= 5 else WEEKDAY)
        static = self._static
        n = len(self.arcs)
        load = static["load"] * profile[(start.hour - static["shift"]) % 24]
        load *= np.exp(rng.normal(0, 0.16, n))
        draw = rng.random(n)
        barre = np.where(draw < static["barre"], 1, np.where(draw > 0.965, 2, 0))
        k = 1.5 + 18 * load + 60 * np.maximum(0.0, load - 0.85) ** 1.3 + rng.normal(0, 1.2, n)
        k = np.round(np.clip(k, 0.2, 96.0), 5)
        q = np.round(
            static["capacity"] * np.minimum(load, 1.0) * (1 - np.maximum(0.0, k - 30) / 140)
        )
        k_null = (barre > 0) | static["k_never"] | (rng.random(n) < 0.04)
        q_null = (barre > 0) | static["q_never"] | (rng.random(n) < 0.14)
        if provisional:
            # Its own generator: the completed hour draws exactly what it would without it.
            late_rng = np.random.default_rng([self.seed, int(t_1h.timestamp()), 1])
            late = late_rng.random(n) < self.late_share
            missing = late & (late_rng.random(n) < 0.5)
            q = np.where(late & ~missing, np.round(q * 0.6), q)
            k_null, q_null = k_null | missing, q_null | missing
        silent = self.silenced.get(t_1h.astimezone(UTC), 0.0)
        if silent:
            quiet = np.random.default_rng([self.seed, int(t_1h.timestamp()), 2]).random(n) < silent
            k_null, q_null = k_null | quiet, q_null | quiet
        when = t_1h.astimezone(UTC)
        rows: list[Row] = []
        for base, b, kv, qv, kn, qn in zip(
            self._templates,
            barre.tolist(),
            k.tolist(),
            q.tolist(),
            k_null.tolist(),
            q_null.tolist(),
            strict=True,
        ):
            row = base.copy()  # keeps the real field order
            kk = None if kn else kv
            row["t_1h"], row["q"], row["k"] = when, None if qn else qv, kk
            row["etat_trafic"], row["etat_barre"] = etat_trafic(kk), BARRE[b]
            rows.append(row)
        return rows
