"""A reader's library under attack (issue 16's onboarding surfaces, reviewed as an outsider): hostile
library files on the preference page's upload and the parsers the CLI shares, each test one attack
shown refused with a clear message and at a bounded cost. Real app (TestClient, SQLite), no day
ingested: the upload runs offline, so only the parsers and the page are exercised."""

from __future__ import annotations

import pytest

from tests.test_web_library import libraries, make_app, opened, reader, text_of


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app, client = make_app(tmp_path_factory.mktemp("hostile-library"))
    sub = reader(app)
    t, csrf = opened(app, client, sub)
    return app, client, sub, t, csrf


def test_a_csl_json_number_of_5000_digits_is_a_clear_refusal_not_a_500(site):
    """Python refuses to turn more than 4,300 digits into an int (a ValueError that is no
    JSONDecodeError): the page said nothing and answered 500."""
    app, client, sub, t, csrf = site
    data = b'[{"title": "Quantum sensing", "issued": {"date-parts": [[1' + b"0" * 5000 + b"]]}}]"
    for lang in ("en", "zh"):
        page = client.post(
            f"/preferences/library?lang={lang}",
            data={"t": t, "csrf": csrf},
            files={"library": ("mine.json", data, "application/json")},
        )
        assert page.status_code == 422, text_of(page)[:300]
        said = text_of(page)
        assert ("a number with more than 4,300 digits" if lang == "en" else "数字超过 4,300 位") in said
        assert "Traceback" not in page.text and "set_int_max_str_digits" not in page.text
    assert libraries(app, sub) == {"main": []}
