"""Domain rules in plain Python: no web framework imports here."""
