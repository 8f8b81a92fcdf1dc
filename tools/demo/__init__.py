"""`make demo`: a scripted mega campaign on the local stack, every path a seller can take."""
