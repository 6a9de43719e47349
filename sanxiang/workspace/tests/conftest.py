"""The staff site as a whole: the lists' entries (``sanxiang.registry.tests.conftest``) and the cases app's world
(a bureau with published items of every kind, two officers with accounts and body cameras, a recorded room), for the
permission suite that runs over every staff route."""

from sanxiang.cases.tests.conftest import case_world  # noqa: F401
from sanxiang.registry.tests.conftest import _data_dir, entries, nobody  # noqa: F401
