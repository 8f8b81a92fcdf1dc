"""LIVE GMV Max Mission: the domain package shared by every function (built as a Lambda layer).

Dependencies point one way: handlers -> domain modules -> ports (store, ads, clock, events).
Rules cite their id (R, A, W, O: docs/rules.md) where they are decided.
"""
