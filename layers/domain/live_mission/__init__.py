"""LIVE GMV Max Mission: the domain package shared by every function (built as a Lambda layer).

Dependencies point one way: handlers -> domain modules -> ports (store, ads, clock, events).
Rules cite their id (R, A, W, O: docs/rules.md) where they are decided.
"""

import gc

# What a container imported before the service's own modules (Powertools, pydantic, the runtime client)
# lives as long as the container: kept out of every later full collection, which would otherwise walk
# it again at each one (one such pass cost about 75 ms of a cold start here, and lands in an invocation
# whenever it falls there).
gc.freeze()
