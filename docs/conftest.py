# Sphinx's configuration runs the page generator when imported: never collect it (e.g. --doctest-modules docs).
collect_ignore = ["conf.py"]
