"""The completeness ledger: per source and slot, what was expected, what arrived, and its state.

- :mod:`collector.ledger.slots` (pure): slots, the missing ones filled at read time;
- :mod:`collector.ledger.record`: written after every batch the daemon stores;
- :mod:`collector.ledger.read`: the daemon's and the CLI's reads;
- :mod:`collector.ledger.rates`: the per-entity reporting rates behind ``expected``;
- :mod:`collector.ledger.tally` and :mod:`collector.ledger.fold` (pure): a payload counted
  per slot, and folded into entries, by the one rule the live path and the rebuild share;
- :mod:`collector.ledger.rebuild`: the entries of a past range rewritten from bronze;
- :mod:`collector.ledger.split`: the slot of each row, for the writers counting revisions.

docs/completeness.md describes the entries and their states.
"""
