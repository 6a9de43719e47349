"""Oversight dashboards (issue 8): the figures leaders, the legal section and supervising bodies look at, for one
agency, for a supervising body's agencies, or for the whole deployment, over the last twelve months
(docs/dashboards.md).

Every figure is aggregated in the database (``annotate`` with ``Count``/``Sum`` and ``filter=``, grouped by agency
and local month) into the monthly summary (``summary``, decision 0010), which a page brings up to date and reads: a
fixed number of queries per page whatever the number of records. The parts, each below the next:

* ``dates`` — local days and months in SQL and in Python;
* ``scopes`` — what a page counts (``Scope``) and over when (``Window``);
* ``definitions`` — the definitions the figures are counted by, shared by the summary and the charts;
* ``figures`` — a scope's summed monthly rows (``Figures``);
* ``summary`` — the monthly rows: ``compute`` from the records, ``changes`` noted by the ledger's listener,
  ``refresh`` before a page reads them;
* ``chart`` and ``charts`` — the tables the page shows and ``dashboard.js`` draws, one module a group of figures;
* ``page`` — every chart of a scope; ``tables`` — a chart's HTML table body and CSV;
* ``views`` and ``urls`` — the staff pages (``oversight:dashboard``, ``oversight:dashboard_csv``).
"""
