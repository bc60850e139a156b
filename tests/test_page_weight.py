"""The visit screen's first load stays under the 60 KB (compressed) budget of the issue."""
from bench.page_weight import measure

BUDGET = 60 * 1024


def test_visit_screen_first_load_is_under_budget():
    rows = measure()
    urls = [r[0] for r in rows]
    assert any("/visits/new" in u for u in urls) and "/sw.js" in urls and "/static/js/shell.js" in urls
    assert sum(r[4] for r in rows) < BUDGET
