"""`make bench`: figures measured in one run, each beside a baseline or an ideal measured or derived there."""
