"""Python function calls and queries per page, in-process: a deterministic stand-in for CPU
time when the machine is too loaded for timings (the count does not drift with load).

    python -m bench.profile DATA.json [PAGE_KEY ...]

Run in the environment of ``bench.django_env.bazaar_env`` over a data set made by
``python -m bench.measure build DATA.json [--quick]`` (``collectstatic`` first). Prints,
per page of ``bench.pages.PAGES`` plus a floor-like empty signed-in request, the calls of
one warmed-up request and its query count; ``--top N`` lists the N costliest functions
(cumulative) of each.
"""

from __future__ import annotations

import cProfile
import pstats
import sys

from bench.django_env import django_setup


def calls_of(client, url: str) -> tuple[int, pstats.Stats]:
    for _ in range(3):  # warm: templates, URL resolver, translations, memos
        assert client.get(url).status_code == 200, url
    profiler = cProfile.Profile()
    profiler.enable()
    response = client.get(url)
    profiler.disable()
    assert response.status_code == 200, url
    stats = pstats.Stats(profiler)
    return stats.total_calls, stats


def main(argv: list[str]) -> None:
    django_setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.inprocess import client_for
    from bench.measure import _user, load_data
    from bench.pages import PAGES

    top = 0
    if "--top" in argv:
        at = argv.index("--top")
        top = int(argv[at + 1])
        del argv[at : at + 2]
    data = load_data(argv[0])
    wanted = set(argv[1:])
    client = client_for(_user(data.page_shopper))
    pages = [(page.key, page.url(data)) for page in PAGES if not wanted or page.key in wanted]
    for key, url in pages:
        total, stats = calls_of(client, url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        print(f"{key:22} {total:>7,} calls  {len(queries):>3} queries  {url}")
        if top:
            stats.sort_stats("cumulative").print_stats(top)


if __name__ == "__main__":
    main(sys.argv[1:])
