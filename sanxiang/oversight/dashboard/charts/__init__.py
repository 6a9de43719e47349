"""The dashboard's charts, one module a group of figures (docs/dashboards.md, "Figures"): each turns a scope's
``Figures`` (or, for certificates and inspection plans, today's records) into ``Chart`` tables."""
