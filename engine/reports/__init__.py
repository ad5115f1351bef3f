"""Management information: units, import of historical cases, annex, Woo overview,
confidential-adviser registrations, dashboard and monthly overviews (issue 9)."""
