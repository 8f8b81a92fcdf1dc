"""The whole service on one machine, no AWS account, no Docker (SPEC section 4).

moto server stands in for AWS; tables, bus, rules, routes and schedules are read from template.yaml;
the real handlers run in-process, a few "containers" (threads) at a time, as Lambda would run them.
A dev and test tool beside the service, never imported by it.
"""
