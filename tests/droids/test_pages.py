"""The droid pages: the list and a droid's page (state, ladder against the price, history,
runs), the buttons each role may press, and the forms, whose bad input is an error on the form
with nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.droids.forms import DroidConfigForm
from apps.droids.models import Droid, DroidActive, DroidRun, DroidSession
from apps.droids.page_rows import significant
from apps.indexer.rpc import chain_client
from tests.accounts.factories import UserFactory
from tests.accounts.test_pages import signed_in_client
from tests.core.servers import free_port
from tests.droids.factories import DroidAccountFactory, DroidPoolFactory
from tests.droids.page_support import make_droid, seed_ladder, seed_runs_and_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(user):
    return signed_in_client(user)[0]


def client_of(role: str):
    """A signed-in client of a new user with `role`, and the user."""
    user = UserFactory(role=role)
    return signed_in_client(user)[0], user


def test_it_invites_an_operator_to_create_the_first_droid(page):
    response = page.get("/droids")
    assert response.status_code == 200
    assert "No droids yet." in response.text
    assert 'href="/droids/new"' in response.text


def test_it_lists_a_droid_with_its_state_positions_and_last_run(page, user):
    droid = make_droid(user, paused_reason="3 failed runs in a row: the node did not answer.")
    seed_ladder(droid)
    seed_runs_and_history(droid)
    response = page.get("/droids")
    assert f'href="/droids/{droid.id}"' in response.text
    assert "WETH/USDC" in response.text and "0.3% fee" in response.text
    assert '4 <span class="muted">of 5</span>' in response.text
    assert "In range: nothing to do" in response.text
    assert "3 failed runs in a row" in response.text


def test_it_shows_only_the_users_own_droids(page, user):
    mine = make_droid(user)
    theirs = make_droid(UserFactory(), pool=mine.pool)
    response = page.get("/droids")
    assert f"/droids/{mine.id}" in response.text and f"/droids/{theirs.id}" not in response.text
    assert page.get(f"/droids/{theirs.id}").status_code == 404


def test_a_new_droid_page_explains_its_empty_ladder_history_and_runs(page, user):
    droid = make_droid(user)
    response = page.get(f"/droids/{droid.id}")
    assert response.status_code == 200
    assert (
        "No positions yet:" in response.text and "mints its ladder on its next run once it is started" in response.text
    )
    assert "No history yet:" in response.text
    assert "No run yet" in response.text
    assert "droid-chart-data" not in response.text


def test_the_ladder_is_drawn_against_the_price_with_the_position_that_holds_it(page, user):
    droid = make_droid(user, active=DroidActive.RUNNING)
    seed_ladder(droid)
    seed_runs_and_history(droid, price="2950")
    body = page.get(f"/droids/{droid.id}").text
    assert body.count('class="rung') == 4
    assert body.count('class="rung holds-price"') == 1
    assert 'class="price-line"' in body
    assert 'id="ladder-price">2,950</strong> USDC per WETH' in body
    assert "price here" in body
    assert "0.2 WETH + 400 USDC" in body
    assert "The price is outside every position" not in body


def test_it_warns_when_the_price_has_left_every_position(page, user):
    droid = make_droid(user, active=DroidActive.RUNNING)
    seed_ladder(droid)
    seed_runs_and_history(droid, price="3500")
    assert "The price is outside every position" in page.get(f"/droids/{droid.id}").text


def test_the_history_chart_gets_value_and_fees_oldest_first(page, user):
    droid = make_droid(user)
    seed_runs_and_history(droid, runs=3)
    response = page.get(f"/droids/{droid.id}")
    points = response.context["chart"]["points"]
    assert [point["fees"] for point in points] == ["0", "1.25", "2.5"]
    assert Decimal(points[0]["aum"]) == 5000 and Decimal(points[-1]["aum"]) == Decimal("4993")
    assert 'id="droid-chart-data"' in response.text and "js/droids-history.js" in response.text


def test_the_paused_reason_and_the_latest_runs_say_why_it_did_not_act(page, user):
    droid = make_droid(user, paused_reason="Gas budget spent: 0.5 ETH.")
    DroidRun.objects.create(
        droid=droid, ran_at=timezone.now(), outcome="GAS_TOO_HIGH", detail="Gas 80 gwei is above the 50 gwei limit."
    )
    body = page.get(f"/droids/{droid.id}").text
    assert 'id="paused-reason" role="alert"' in body and "Gas budget spent: 0.5 ETH." in body
    assert "Waited: gas too high" in body and "Gas 80 gwei is above the 50 gwei limit." in body


def _buttons(body: str) -> dict[str, bool]:
    """Each state button's label and whether it can be pressed."""
    found = {}
    for chunk in body.split('<button type="submit" class="')[1:]:
        tag, _, rest = chunk.partition(">")
        if "data-state" in tag:
            found[rest.split("<")[0]] = "disabled" not in tag
    return found


def test_an_operator_may_start_and_pause_but_not_reset_or_close(page, user):
    droid = make_droid(user)
    body = page.get(f"/droids/{droid.id}").text
    assert _buttons(body) == {"Start": True, "Pause": False, "Reset": False, "Close all positions and stop": False}
    assert body.count("Only admins reset a droid or close it.") == 1
    assert body.count('aria-describedby="admin-only"') == 2


def test_an_admin_may_reset_and_close_any_droid(user):
    droid = make_droid(user)
    admin, _ = client_of("ADMIN")
    body = admin.get(f"/droids/{droid.id}").text
    assert _buttons(body) == {"Start": True, "Pause": False, "Reset": True, "Close all positions and stop": True}
    assert 'data-confirm="Take down every position and stop this droid for good? Closing is final."' in body
    assert "js/droids-confirm.js" in body


def test_an_admins_close_stops_the_droid_for_good(user):
    droid = make_droid(user)
    admin, boss = client_of("ADMIN")
    response = admin.post(f"/droids/{droid.id}/state", {"active": DroidActive.CLOSED}, follow=True)
    assert "Closing: the droid takes every position down and stops for good." in response.text
    assert "Closing is final." in response.text and _buttons(response.text) == {}
    droid.refresh_from_db()
    assert droid.active == DroidActive.CLOSED
    assert DroidSession.objects.get(droid=droid, stopped_at__isnull=True).started_by == boss


def test_a_viewer_sees_the_droid_without_controls_or_form():
    viewer_client, viewer = client_of("VIEWER")
    droid = make_droid(viewer)
    body = viewer_client.get(f"/droids/{droid.id}").text
    assert _buttons(body) == {}
    assert "data-read-only" in body
    assert f'action="/droids/{droid.id}/config"' not in body
    assert viewer_client.post(f"/droids/{droid.id}/state", {"active": 1}).status_code == 403
    assert Droid.objects.get(id=droid.id).active == DroidActive.PAUSED


def test_start_runs_the_droid_and_records_who_started_it(page, user):
    droid = make_droid(user, paused_reason="3 failed runs in a row.", consecutive_failures=3)
    response = page.post(f"/droids/{droid.id}/state", {"active": DroidActive.RUNNING}, follow=True)
    assert "Started: the droid acts on its next run." in response.text
    droid.refresh_from_db()
    assert droid.active == DroidActive.RUNNING and droid.paused_reason == ""
    assert DroidSession.objects.filter(droid=droid, stopped_at__isnull=True).get().started_by == user
    assert 'id="paused-reason"' not in response.text


def test_an_operators_forged_close_is_refused_with_a_message(page, user):
    droid = make_droid(user)
    response = page.post(f"/droids/{droid.id}/state", {"active": DroidActive.CLOSED}, follow=True)
    assert "Only admins may reset a droid or close it." in response.text
    assert Droid.objects.get(id=droid.id).active == DroidActive.PAUSED


def config_post(droid: Droid, **changes: object) -> dict[str, object]:
    """The config form as the page fills it, with `changes` typed over it."""
    return {name: "" if value is None else str(value) for name, value in DroidConfigForm.initial_for(droid).items()} | {
        name: str(value) for name, value in changes.items()
    }


def test_the_config_form_shows_percentages_and_saves_them_as_fractions(page, user):
    droid = make_droid(user)
    body = page.get(f"/droids/{droid.id}").text
    assert 'name="falling_rebalance_trigger" value="3"' in body
    assert 'name="funding_usd" value="5000"' in body and 'name="max_gas_price" value="50"' in body
    assert "Falling trigger (%)" in body and "Lowest price (USDC per WETH)" in body and "Max gas price (gwei)" in body
    response = page.post(
        f"/droids/{droid.id}/config", config_post(droid, falling_rebalance_trigger="2.5", max_bots=4), follow=True
    )
    assert "Configuration saved" in response.text
    droid.refresh_from_db()
    assert droid.falling_rebalance_trigger == Decimal("0.025") and droid.max_bots == 4


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"rising_rebalance_trigger": "150"}, "rising_rebalance_trigger", "Must be above 0 and below 100 %."),
        ({"tick_buckets": "0"}, "tick_buckets", "greater than or equal to 1"),
        ({"max_gas_price": "-3"}, "max_gas_price", "Must be greater than 0."),
        ({"min_price": "4500"}, "min_price", "Must be below maxPrice (4000)."),
        ({"max_bots": "12"}, "max_bots", "Must be at most tickBuckets (10)"),
        ({"funding_usd": "lots"}, "funding_usd", "Enter a number."),
    ],
)
def test_bad_config_is_an_error_on_its_field_and_changes_nothing(page, user, changes, field, message):
    droid = make_droid(user)
    before = {name: getattr(droid, name) for name in changes}
    response = page.post(f"/droids/{droid.id}/config", config_post(droid, **changes))
    assert response.status_code == 400
    assert message in response.text
    assert response.context["form"].errors[field]
    droid.refresh_from_db()
    assert {name: getattr(droid, name) for name in changes} == before


def test_the_new_droid_form_refuses_bad_input_and_writes_nothing(page, user):
    fields = new_droid_post(DroidPoolFactory(), DroidAccountFactory(user=user), rising_rebalance_trigger=0)
    response = page.post("/droids/new", fields)
    assert response.status_code == 400
    assert "Must be above 0 and below 100 %." in response.text
    assert not Droid.objects.exists()


def test_the_new_droid_page_says_when_there_is_no_wallet(page):
    DroidPoolFactory()
    body = page.get("/droids/new").text
    assert 'id="no-wallet"' in body
    assert 'name="ladder_perc_margin" value="2"' in body


def test_a_viewer_is_not_offered_a_new_droid():
    viewer_client, _ = client_of("VIEWER")
    body = viewer_client.get("/droids").text
    assert 'href="/droids/new"' not in body
    assert "An operator creates droids" in body and "data-read-only" in body
    assert viewer_client.post("/droids/new", {}).status_code == 403


def test_an_admin_sees_every_droid_with_its_owner(user):
    droid = make_droid(user)
    admin, _ = client_of("ADMIN")
    body = admin.get("/droids").text
    assert f'href="/droids/{droid.id}"' in body and user.email in body


def test_a_closed_droid_says_so_and_offers_no_control_or_form(page, user):
    droid = make_droid(user, active=DroidActive.CLOSED)
    body = page.get(f"/droids/{droid.id}").text
    assert "Closing is final." in body
    assert _buttons(body) == {}
    assert f'action="/droids/{droid.id}/config"' not in body
    assert '<dt>Funding curve</dt><dd class="amount">Linear</dd>' in body  # the configuration still reads
    assert "<strong>No positions:</strong> the droid is closed." in body


def counted(client, path: str) -> int:
    client.get(path)  # warms the auth cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_pages_read_in_a_fixed_number_of_queries(page, user):
    """The list: count and page (runs and positions are subqueries of the page's one statement);
    a droid: itself with its pool, wallet and owner, the price, positions, history, runs, sessions."""
    first = make_droid(user)
    seed_ladder(first)
    seed_runs_and_history(first)
    queries = (counted(page, "/droids"), counted(page, f"/droids/{first.id}"))
    for _ in range(3):
        more = make_droid(user, pool=first.pool)
        seed_ladder(more)
        seed_runs_and_history(more)
    seed_ladder(first, prices=(3300, 3400, 3500))
    assert (counted(page, "/droids"), counted(page, f"/droids/{first.id}")) == queries
    assert queries == (2, 6)


def new_droid_post(pool, account, **changes: object) -> dict[str, object]:
    fields = {
        "pool": pool.id,
        "account": account.id,
        "funding_usd": "1000",
        "min_price": "2500",
        "max_price": "4000",
        "tick_buckets": "10",
        "max_bots": "5",
        "bucket_offset": "0",
        "funding_curve_type": "FLAT",
        "trigger_type": "PRICE",
        "falling_rebalance_trigger": "3",
        "rising_rebalance_trigger": "5",
        "derivative_threshold": "1",
        "ladder_perc_margin": "2",
        "max_gas_price": "40",
        "tx_priority": "1",
    }
    return fields | {name: str(value) for name, value in changes.items()}


def test_a_new_droid_is_refused_above_the_form_when_the_node_does_not_answer(page, user, settings):
    settings.RPC_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens: the wallet cannot be valued
    chain_client.cache_clear()
    try:
        response = page.post("/droids/new", new_droid_post(DroidPoolFactory(), DroidAccountFactory(user=user)))
    finally:
        chain_client.cache_clear()
    assert response.status_code == 400
    assert "the chain node does not answer" in str(response.context["form"].non_field_errors())
    assert not Droid.objects.exists()


def test_the_services_rules_between_fields_land_on_the_new_droid_form(page, user):
    response = page.post(
        "/droids/new", new_droid_post(DroidPoolFactory(), DroidAccountFactory(user=user), bucket_offset=11)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["bucket_offset"] == ["Must be within -10..10 (tickBuckets)."]
    assert not Droid.objects.exists()


def test_a_config_change_to_a_closed_droid_is_refused_on_its_page(page, user):
    droid = make_droid(user, active=DroidActive.CLOSED)
    response = page.post(f"/droids/{droid.id}/config", config_post(droid, max_bots=3), follow=True)
    assert "closing is final" in response.text
    assert Droid.objects.get(id=droid.id).max_bots == 5


def test_the_new_droid_form_gives_the_last_price_seen_on_the_pool(page, user):
    seed_runs_and_history(make_droid(user), price=2950)
    body = page.get("/droids/new").text
    assert "Lowest price (USDC per WETH)" in body
    assert "Last seen: 2,950 USDC per WETH." in body


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("0.000333578123456789"), "0.000333578"),
        (Decimal("2997.812345"), "2,997.81"),
        (Decimal("1249.999999"), "1,250"),
        (Decimal("0E-18"), "0"),
        (None, "—"),
    ],
)
def test_prices_and_token_amounts_show_six_significant_digits(value, shown):
    assert significant(value) == shown
