"""The dashboard's monthly summary (issue 8): each agency's figures of each local calendar month, computed from the
records by the same queries the figures are defined by (``compute``), kept in ``DashboardMonth``, so that a page
reads about twelve rows per agency instead of scanning a year of cases, documents, publications, complaints and
evaluations (docs/decisions/0010-dashboard-summary.md).

It is never stale when read:

* every write in the system is recorded in the ledger inside its transaction; the ledger's record listener
  (``changes.on_recorded``) notes the case (or complaint) the recorded subject belongs to, and the month, in
  ``DashboardChange`` — in the same transaction, so a change and its note commit together;
* before a page reads the summary, ``refresh.refresh`` recomputes every month those notes touch (the case's months
  of opening, decision, documents, publication tasks, reviews and closing, and the month of the change), every month
  of the page's window that has no row yet, every row computed with other definitions or settings
  (``fingerprint``), and an agency's whole history the first time it is shown; then it deletes the notes it consumed.

``sanxiang dashboard-rebuild`` recomputes every row (``refresh.rebuild``).
"""
