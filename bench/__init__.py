"""Meldpunt benchmark (issue 7): `python -m bench --quick`."""
