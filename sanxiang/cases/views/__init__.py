"""Staff pages of the cases (执法办案), one module a page: ``lists`` (my tasks and deadlines, the case list),
``opening`` (立案), ``page`` (the case page), ``actions`` (taking an action, with the forms' table in
``action_forms``), ``casefile`` (the sealed case file's download) and ``processes`` (the process definitions).

Every view takes the same four steps as every staff page: parse the input (``cases.forms``), find the case through
``cases.selectors.access_case`` (404 alike for missing and another agency's), call a service (``cases.services`` /
``cases.workflow``), render. The forms shown are those the services would accept (``cases.actions``); a refusal is
shown in Chinese next to the form that failed, and nothing is written.
"""
