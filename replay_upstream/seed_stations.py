"""Seed data for the Paris termini: stop areas and, per station, its services.

A service is (network, line code, share of the day's departures, first train number, last
train number, destinations). A destination is (UIC code, name, city). ``NIGHT_SERVICES``
are the few services still running between about 01:00 and 05:00 (last and first suburban
trains, a night Intercités), drawn from each station's own day services.
"""

from __future__ import annotations

Destination = tuple[str, str, str]
Service = tuple[str, str, float, int, int, tuple[Destination, ...]]

STATIONS: dict[str, tuple[str, str, str, int]] = {  # uic: name, lon, lat, departures a day
    "87686006": ("Paris - Gare de Lyon - Hall 1 & 2", "2.373481", "48.844945", 330),
    "87271007": ("Paris - Gare du Nord", "2.355151", "48.880185", 520),
    "87384008": ("Paris - Saint-Lazare", "2.325331", "48.876242", 560),
    "87391003": ("Paris - Montparnasse - Hall 1 & 2", "2.320514", "48.841172", 260),
    "87113001": ("Paris - Gare de l'Est", "2.358424", "48.876964", 280),
    "87547000": ("Paris - Austerlitz", "2.365515", "48.842049", 190),
    "87686667": ("Paris - Bercy - Bourgogne - Pays d'Auvergne", "2.382709", "48.839178", 36),
}

_MARSEILLE = ("87751008", "Marseille Saint-Charles", "Marseille")
_LYON = ("87723197", "Lyon Part Dieu", "Lyon")
_LILLE = ("87223263", "Lille Europe", "Lille")
_BORDEAUX = ("87581009", "Bordeaux Saint-Jean", "Bordeaux")
_RENNES = ("87471003", "Rennes", "Rennes")
_NANTES = ("87481002", "Nantes", "Nantes")
_STRASBOURG = ("87212027", "Strasbourg", "Strasbourg")
_ORLEANS = ("87543009", "Orléans", "Orléans")

SERVICES: dict[str, tuple[Service, ...]] = {
    "87686006": (
        (
            "TGV INOUI",
            "",
            0.42,
            6101,
            6999,
            (
                _MARSEILLE,
                _LYON,
                ("87756056", "Nice Ville", "Nice"),
                ("87773002", "Montpellier Saint-Roch", "Montpellier"),
                ("87747006", "Grenoble", "Grenoble"),
                ("87746008", "Annecy", "Annecy"),
                ("87713040", "Dijon", "Dijon"),
                ("87755009", "Toulon", "Toulon"),
                ("87718007", "Besançon-Viotte", "Besançon"),
            ),
        ),
        (
            "OUIGO",
            "",
            0.12,
            7801,
            7999,
            (
                _MARSEILLE,
                ("87762906", "Lyon Saint-Exupéry TGV", "Colombier-Saugnieu"),
                ("87773002", "Montpellier Saint-Roch", "Montpellier"),
            ),
        ),
        (
            "TGV Lyria",
            "",
            0.05,
            9761,
            9799,
            (
                ("85010082", "Genève Cornavin", "Genève"),
                ("85010280", "Lausanne", "Lausanne"),
                ("85000109", "Zürich HB", "Zürich"),
            ),
        ),
        (
            "MOBIGO",
            "",
            0.13,
            891000,
            891999,
            (
                ("87713040", "Dijon", "Dijon"),
                ("87683006", "Montereau", "Montereau-Fault-Yonne"),
                ("87683474", "Laroche - Migennes", "Migennes"),
                ("87683253", "Auxerre Saint-Gervais", "Auxerre"),
            ),
        ),
        (
            "Transilien",
            "R",
            0.28,
            164000,
            164999,
            (
                ("87682005", "Melun", "Melun"),
                ("87684001", "Montargis", "Montargis"),
                ("87683006", "Montereau", "Montereau-Fault-Yonne"),
            ),
        ),
    ),
    "87271007": (
        (
            "TGV INOUI",
            "",
            0.16,
            7001,
            7399,
            (
                _LILLE,
                ("87286005", "Lille Flandres", "Lille"),
                ("87281006", "Dunkerque", "Dunkerque"),
                ("87342014", "Arras", "Arras"),
                ("87775007", "Valenciennes", "Valenciennes"),
            ),
        ),
        (
            "Eurostar",
            "",
            0.08,
            9001,
            9199,
            (
                ("70154005", "London St Pancras International", "London"),
                ("88140010", "Bruxelles-Midi / Brussel-Zuid", "Saint-Gilles - Sint-Gillis"),
                ("84100000", "Amsterdam Centraal", "Amsterdam"),
            ),
        ),
        (
            "TER HAUTS-DE-FRANCE",
            "",
            0.14,
            847000,
            847999,
            (
                ("87313874", "Amiens", "Amiens"),
                ("87276691", "Compiègne", "Compiègne"),
                ("87296004", "Saint-Quentin", "Saint-Quentin"),
                ("87276006", "Creil", "Creil"),
            ),
        ),
        (
            "Transilien",
            "H",
            0.3,
            130000,
            139999,
            (
                ("87276469", "Persan - Beaumont", "Persan"),
                ("87381657", "Pontoise", "Pontoise"),
                ("87276543", "Luzarches", "Luzarches"),
            ),
        ),
        (
            "Transilien",
            "K",
            0.07,
            140000,
            140999,
            (("87271528", "Crépy-en-Valois", "Crépy-en-Valois"),),
        ),
        (
            "RER",
            "B",
            0.25,
            150000,
            159999,
            (
                ("87271494", "Aéroport Charles de Gaulle 2 TGV", "Tremblay-en-France"),
                ("87271460", "Mitry - Claye", "Mitry-Mory"),
            ),
        ),
    ),
    "87384008": (
        (
            "Transilien",
            "L",
            0.42,
            120000,
            129999,
            (
                ("87382002", "Versailles Rive Droite", "Versailles"),
                ("87382655", "Saint-Nom-la-Bretèche - Forêt de Marly", "Saint-Nom-la-Bretèche"),
                ("87381905", "Cergy-le-Haut", "Cergy"),
            ),
        ),
        (
            "Transilien",
            "J",
            0.38,
            110000,
            119999,
            (
                ("87381111", "Mantes-la-Jolie", "Mantes-la-Jolie"),
                ("87271411", "Ermont - Eaubonne", "Ermont"),
                ("87381657", "Pontoise", "Pontoise"),
                ("87276196", "Gisors", "Gisors"),
                ("87415604", "Vernon - Giverny", "Vernon"),
            ),
        ),
        (
            "NOMAD TRAIN",
            "",
            0.2,
            3101,
            3399,
            (
                ("87411017", "Rouen Rive Droite", "Rouen"),
                ("87413013", "Le Havre", "Le Havre"),
                ("87444000", "Caen", "Caen"),
                ("87447003", "Cherbourg", "Cherbourg-en-Cotentin"),
            ),
        ),
    ),
    "87391003": (
        (
            "TGV INOUI",
            "",
            0.45,
            8001,
            8999,
            (
                _BORDEAUX,
                _RENNES,
                _NANTES,
                ("87474007", "Brest", "Brest"),
                ("87474098", "Quimper", "Quimper"),
                ("87611004", "Toulouse Matabiau", "Toulouse"),
                ("87485003", "La Rochelle Ville", "La Rochelle"),
                ("87571000", "Tours", "Tours"),
            ),
        ),
        ("OUIGO", "", 0.12, 7601, 7799, (_BORDEAUX, _RENNES, _NANTES)),
        (
            "REMI",
            "",
            0.13,
            860000,
            860999,
            (("87394007", "Chartres", "Chartres"), ("87396002", "Le Mans", "Le Mans")),
        ),
        (
            "Transilien",
            "N",
            0.3,
            160000,
            163999,
            (
                ("87393702", "Rambouillet", "Rambouillet"),
                ("87394130", "Dreux", "Dreux"),
                ("87381111", "Mantes-la-Jolie", "Mantes-la-Jolie"),
            ),
        ),
    ),
    "87113001": (
        (
            "TGV INOUI",
            "",
            0.3,
            2101,
            2999,
            (
                _STRASBOURG,
                ("87192039", "Metz Ville", "Metz"),
                ("87141002", "Nancy", "Nancy"),
                ("87171009", "Reims", "Reims"),
                ("82001000", "Luxembourg", "Luxembourg"),
            ),
        ),
        (
            "ICE",
            "",
            0.05,
            9551,
            9599,
            (
                ("80110684", "Frankfurt (Main) Hbf", "Frankfurt am Main"),
                ("80096008", "Stuttgart Hbf", "Stuttgart"),
                ("80000068", "München Hbf", "München"),
            ),
        ),
        (
            "FLUO",
            "",
            0.15,
            839000,
            839999,
            (
                ("87116004", "Château-Thierry", "Château-Thierry"),
                ("87171926", "Épernay", "Épernay"),
                ("87118000", "Troyes", "Troyes"),
            ),
        ),
        (
            "Transilien",
            "P",
            0.5,
            170000,
            179999,
            (
                ("87116210", "Meaux", "Meaux"),
                ("87113407", "Provins", "Provins"),
                ("87116582", "Coulommiers", "Coulommiers"),
            ),
        ),
    ),
    "87547000": (
        (
            "Intercités",
            "",
            0.28,
            3601,
            3999,
            (
                _ORLEANS,
                ("87592006", "Limoges Bénédictins", "Limoges"),
                ("87611004", "Toulouse Matabiau", "Toulouse"),
                ("87594002", "Brive-la-Gaillarde", "Brive-la-Gaillarde"),
            ),
        ),
        (
            "REMI",
            "",
            0.22,
            860000,
            869999,
            (_ORLEANS, ("87571000", "Tours", "Tours"), ("87576009", "Vierzon", "Vierzon")),
        ),
        (
            "RER",
            "C",
            0.5,
            180000,
            189999,
            (
                ("87545137", "Dourdan", "Dourdan"),
                ("87545244", "Saint-Martin-d'Étampes", "Étampes"),
                ("87393843", "Versailles Château Rive Gauche", "Versailles"),
            ),
        ),
    ),
    "87686667": (
        (
            "Intercités",
            "",
            0.6,
            5901,
            5999,
            (
                ("87734004", "Clermont-Ferrand", "Clermont-Ferrand"),
                ("87696005", "Nevers", "Nevers"),
            ),
        ),
        (
            "MOBIGO",
            "",
            0.4,
            891000,
            891999,
            (
                ("87683253", "Auxerre Saint-Gervais", "Auxerre"),
                ("87684001", "Montargis", "Montargis"),
            ),
        ),
    ),
}


def _service(uic: str, network: str, code: str = "") -> Service:
    return next(s for s in SERVICES[uic] if s[0] == network and s[1] == code)


def _night(uic: str, *picks: tuple[str, str, float]) -> tuple[Service, ...]:
    """The station's day services ``(network, code)`` re-weighted for the night."""
    out = []
    for network, code, share in picks:
        _, _, _, low, high, destinations = _service(uic, network, code)
        out.append((network, code, share, low, high, destinations))
    return tuple(out)


# Bercy has no night service: its first train leaves after 05:00.
NIGHT_SERVICES: dict[str, tuple[Service, ...]] = {
    "87686006": _night("87686006", ("Transilien", "R", 0.8), ("MOBIGO", "", 0.2)),
    "87271007": _night("87271007", ("RER", "B", 0.6), ("Transilien", "H", 0.4)),
    "87384008": _night("87384008", ("Transilien", "L", 0.5), ("Transilien", "J", 0.5)),
    "87391003": _night("87391003", ("Transilien", "N", 0.85), ("REMI", "", 0.15)),
    "87113001": _night("87113001", ("Transilien", "P", 0.9), ("FLUO", "", 0.1)),
    "87547000": _night("87547000", ("RER", "C", 0.75), ("Intercités", "", 0.25)),
}
