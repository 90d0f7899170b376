"""Start from real history: import incident exports, fit them, check a scenario, replay, review.

``readers`` turns a vendor's export into ``records.Incident``s; ``fit`` fits durations and
arrivals; ``calibration`` puts the fits together (and writes a scenario); ``report`` draws
them; ``check``, ``replay`` and ``review`` use them against the model and month by month.
"""
