"""LIVE GMV Max Mission: the domain package shared by every function (built as a Lambda layer).

Dependencies point one way: handlers -> domain modules -> ports (store, ads, clock, events).
Rules cite their id (docs/rules.md) (R, A, W, O) where they are decided.
"""
