import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]


def test_page_and_limit_slice_the_results_and_report_the_total(api):
    response = api.get("/api/v1/jobs/numbers", {"page": 2, "limit": 20})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": list(range(21, 41)),
        "pagination": {"page": 2, "limit": 20, "total": 45},
    }


def test_defaults_are_page_1_and_limit_20(api):
    body = api.get("/api/v1/jobs/numbers").json()
    assert body["pagination"] == {"page": 1, "limit": 20, "total": 45}


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"page": 0}, "page must be a positive integer"),
        ({"page": "x"}, "page must be a positive integer"),
        ({"limit": 101}, "limit must be at most 100"),
        ({"page": -1}, "page must be a positive integer"),
        ({"page": ""}, "page must be a positive integer"),
        ({"page": " 5"}, "page must be a positive integer"),
        ({"page": "+5"}, "page must be a positive integer"),
        ({"page": "\u0665"}, "page must be a positive integer"),  # ARABIC-INDIC DIGIT FIVE
        ({"limit": "9" * 5000}, "limit must be at most 100"),
    ],
)
def test_bad_paging_is_a_400_saying_what_is_wrong(api, params, fragment):
    response = api.get("/api/v1/jobs/numbers", params)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


def test_page_size_style_gives_next_and_previous_urls(api):
    body = api.get("/api/droids/numbers", {"style": "size", "page": 2, "page_size": 10}).json()
    assert body["data"] == list(range(11, 21))
    assert (body["page"], body["page_size"], body["total_results"], body["total_pages"]) == (2, 10, 45, 5)
    assert body["next_page_url"] == "http://testserver/api/droids/numbers?page=3&page_size=10&style=size"
    assert body["prev_page_url"] == "http://testserver/api/droids/numbers?page_size=10&style=size"


def test_the_last_page_has_no_next_url(api):
    body = api.get("/api/droids/numbers", {"style": "size", "page": 5, "page_size": 10}).json()
    assert body["data"] == list(range(41, 46))
    assert body["next_page_url"] is None


@pytest.mark.parametrize("page", [4, 50])
def test_a_page_past_the_end_is_empty_and_keeps_the_total(api, page):
    response = api.get("/api/v1/jobs/numbers", {"page": page})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": [],
        "pagination": {"page": page, "limit": 20, "total": 45},
    }


def test_a_page_size_page_past_the_end_is_empty_and_points_back_to_the_last_page(api):
    response = api.get("/api/droids/numbers", {"style": "size", "page": 9, "page_size": 10})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == []
    assert (body["page"], body["total_results"], body["total_pages"]) == (9, 45, 5)
    assert body["next_page_url"] is None
    assert body["prev_page_url"] == "http://testserver/api/droids/numbers?page=5&page_size=10&style=size"


def test_fetching_until_empty_collects_everything_and_ends_without_an_error(api):
    seen, page = [], 1
    while True:
        response = api.get("/api/v1/jobs/numbers", {"page": page, "limit": 7})
        assert response.status_code == 200
        if not response.json()["data"]:
            break
        seen += response.json()["data"]
        page += 1
    assert seen == list(range(1, 46))
