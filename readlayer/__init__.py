"""The read side both readers share: the API (``api/chalicelib``) and the dashboard.

Everything above :mod:`collector.storage`'s :class:`~collector.storage.Reader` lives here once,
so the same data gets the same answer whichever reader shows it:

- :mod:`readlayer.manifest`: the plugins' facts as JSON-able data (discovered, or frozen for
  Lambda, where the plugin packages are not shipped);
- :mod:`readlayer.catalogue`: sources, datasets and analytics with their schemas, licences and
  intervals, the operator's settings applied;
- :mod:`readlayer.status`: one staleness rule, one set of status labels, enabled or not from
  the daemon's own record;
- :mod:`readlayer.fields`: which record fields a snapshot can be filtered on;
- :mod:`readlayer.matching`: how typed values match stored ones (names: case, accents,
  apostrophes ignored; enums: case; ids exact);
- :mod:`readlayer.reads`: snapshots (filtered, paged), one entity's history, gold series;
- :mod:`readlayer.lake`: long ranges from the lake (series by calendar bucket, a typical day,
  hour-of-week means).

It imports the core (plugin contract, storage readers, settings, keys), never a reader.
"""
