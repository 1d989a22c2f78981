"""The upstream fields the parking source reads, and its thresholds."""

from __future__ import annotations

from datetime import timedelta

COUNTER = "STANDARD"
STALE = timedelta(hours=1)
# fmt: off
CAPACITIES = {
    "capacity_cars": "nb_places", "capacity_pmr": "nb_pmr", "capacity_motorbikes": "nb_2_rm",
    "capacity_bikes": "nb_velo", "capacity_ev": "nb_voitures_electriques",
}
PRICES = {f"price_{h}": f"tarif_{h}" for h in ("1h", "2h", "3h", "4h", "24h")}
# Fields the fetch selects from the reference, and the SAEMES live row's fields: anything else
# is news worth telling the operator (once).
KNOWN_REFERENCE = frozenset({
    "id", "nom", "adresse", "arrdt", "deleg", "nb_places", "nb_pmr", "nb_2_rm", "nb_velo",
    "nb_voitures_electriques", "hauteur_max", "tarif_1h", "tarif_2h", "tarif_3h", "tarif_4h",
    "tarif_24h", "mis_a_jour", "xlong", "ylat", "geo_point_2d",
})
KNOWN_LIVE = frozenset({
    "nom_parking", "pmo_number", "facilityid", "countertype", "counterfreeplaces", "date",
    "type_de_parc", "geo",
})
# fmt: on
