"""A small study whose answers can be worked out by hand, for the robustness and report tests."""

# The war room (12 people, no narration slowdown) resolves faster than the channel, whose
# replies are slow, but costs more engineer time: the cost verdict turns on the price of a
# service-minute. Neither uncertain parameter changes what is simulated (prices are applied
# afterwards, and no incident is a security one), so the cost difference is exactly linear in
# the price and the exposure rate can affect nothing.
FLIP_YAML = """\
apiVersion: incsim/v1
kind: Scenario
metadata: {name: flip}
org:
  teams:
    - {name: app, size: 6, duties: [ic]}
    - {name: db, size: 4}
  services:
    - {name: api, team: app, depends_on: [store]}
    - {name: store, team: db}
incidents:
  arrivals: {rate_per_week: 4}
  mix: {single-service: 1.0}
  categories:
    single-service:
      diagnosis: {dist: lognormal, median: 40, sigma: 0.5}
      fix: 15
      consults_mean: 3
  flags:
    security: {probability: 0, exposure_per_min: 10}
behaviour:
  narration: {per_listener: 0, max_slowdown: 1.0}
  reply_latency: {engaged: 10, working: 15, off_hours: 90}
protocols:
  - {name: war-room, kind: war-room, room: {invite: {size: 12}}}
  - {name: async-first, kind: async-first}
costs: {customer_impact_usd_per_min: 5}
simulation: {horizon_days: 7}
uncertainty:
  costs.customer_impact_usd_per_min: {low: 0, high: 20, source: a price nobody has measured}
  incidents.flags.security.exposure_per_min: {low: 1, high: 50, source: no security incidents here}
"""

PRICE = "costs.customer_impact_usd_per_min"
PRICE_HIGH = 20.0  # the top of its range above (uniform from 0; its line is 0, the scenario's 5, 20)
EXPOSURE = "incidents.flags.security.exposure_per_min"
