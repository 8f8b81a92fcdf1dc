"""Every suite: the environment template.yaml gives every function, where a test builds the service's
own objects outside a function (the service name and metrics namespace are set there, once)."""

import os

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "live-gmv-max-mission")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "LiveGmvMaxMission")
