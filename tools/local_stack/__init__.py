"""The local stack: the whole service on loopback with no AWS account and no Docker. An embedded AWS
emulator (moto server), the API routed from template.yaml, each function's containers as processes of
their own (AWS's runtime interface client against a Lambda Runtime API served here), stream and event
delivery, the template's schedules and a controllable clock."""
