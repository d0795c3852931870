"""Times in the viewer's time zone and dates in the viewer's language: the zone a user chose on
their account page, else the zone their browser reports (a cookie set by static/js/timezone.js,
checked against zoneinfo), else the server's; the language a signed-in user chose follows them to
any browser. Texts of the record are never translated."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts.models import LoginLocked, Preference
from negotiations.models import ApiToken
from negotiations.text import validate_text

pytestmark = pytest.mark.django_db

ISSUED = datetime(2026, 11, 26, 13, 30, tzinfo=UTC)


@pytest.fixture
def ilan(make_user):
    user = make_user("ilan")
    ApiToken.issue(user, name="laptop")
    ApiToken.objects.filter(user=user).update(created_at=ISSUED)
    return user


def test_until_a_zone_is_chosen_pages_show_times_in_the_zone_the_browser_reports_and_name_it(client, ilan):
    client.force_login(ilan)
    client.cookies["verbatim_tz"] = "Asia/Tokyo"
    page = client.get("/account/").text
    assert "26 Nov 2026, 22:30 JST" in page
    assert "Asia/Tokyo" in page


def test_a_zone_the_user_chose_wins_over_the_browsers(client, ilan):
    Preference.choose(ilan, time_zone="Europe/Paris", language="")
    client.force_login(ilan)
    client.cookies["verbatim_tz"] = "Asia/Tokyo"
    page = client.get("/account/").text
    assert "26 Nov 2026, 14:30 CET" in page
    assert "JST" not in page


def test_a_zone_name_the_server_does_not_know_is_ignored_and_times_stay_in_utc(client, ilan):
    client.force_login(ilan)
    for made_up in ["Mars/Olympus_Mons", "../../etc/passwd", "Europe/Paris; path=/"]:
        client.cookies["verbatim_tz"] = made_up
        page = client.get("/account/").text
        assert "26 Nov 2026, 13:30 UTC" in page, made_up


def test_a_user_saves_a_zone_and_a_language_for_themselves_only(client, ilan, make_user):
    mara = make_user("mara")
    Preference.choose(mara, time_zone="America/Lima", language="en")
    client.force_login(ilan)
    answer = client.post("/account/preferences", {"time_zone": "Europe/Paris", "language": "fr"})
    assert answer.status_code == 302
    assert answer.cookies["verbatim_language"].value == "fr"
    assert Preference.of(ilan) == ("Europe/Paris", "fr")
    assert Preference.of(mara) == ("America/Lima", "en")
    page = client.get(answer["Location"]).text
    assert '<html lang="fr">' in page
    assert "Votre langue et votre fuseau horaire sont enregistrés." in page
    assert "26 nov. 2026, 14:30 CET" in page


def test_an_unknown_zone_is_refused_in_words_and_nothing_is_saved(client, ilan):
    client.force_login(ilan)
    answer = client.post("/account/preferences", {"time_zone": "Nowhere/Land", "language": ""})
    assert answer.status_code == 400
    assert "Nowhere/Land" in answer.text
    assert Preference.of(ilan) == ("", "")


def test_preferences_are_saved_only_by_post_and_only_when_signed_in(client, ilan):
    client.force_login(ilan)
    assert client.get("/account/preferences").status_code == 405
    client.logout()
    answer = client.post("/account/preferences", {"time_zone": "Europe/Paris", "language": "fr"})
    assert answer.status_code == 302 and "/login/" in answer["Location"]
    assert not Preference.objects.exists()


def test_a_chosen_language_follows_the_user_to_a_browser_that_never_used_the_switcher(client, ilan):
    Preference.choose(ilan, time_zone="", language="fr")
    client.force_login(ilan)
    page = client.get("/", headers={"accept-language": "en"}).text
    assert '<html lang="fr">' in page
    assert "Vos négociations" in page


def test_without_a_chosen_language_the_switchers_cookie_decides(client, ilan):
    client.force_login(ilan)
    client.cookies["verbatim_language"] = "fr"
    assert '<html lang="fr">' in client.get("/").text
    client.cookies["verbatim_language"] = "en"
    assert '<html lang="en">' in client.get("/").text


def test_the_switcher_also_changes_a_saved_language_choice(client, ilan):
    Preference.choose(ilan, time_zone="", language="fr")
    client.force_login(ilan)
    client.post("/language", {"language": "en", "next": "/"})
    assert Preference.of(ilan) == ("", "en")
    assert '<html lang="en">' in client.get("/").text


def test_the_switcher_saves_nothing_for_a_user_who_never_chose_a_language(client, ilan):
    client.force_login(ilan)
    client.post("/language", {"language": "fr", "next": "/"})
    assert not Preference.objects.filter(user=ilan).exists()


def test_the_time_zone_script_is_served_to_every_page_under_the_content_security_policy(client, ilan):
    page = client.get("/login/")
    assert 'src="/static/js/timezone.js"' in page.text
    assert "script-src" in page["Content-Security-Policy"]
    script = client.get("/static/js/timezone.js")
    assert script.status_code == 200
    assert b"resolvedOptions().timeZone" in b"".join(script.streaming_content)


def test_refusals_count_characters_in_the_viewers_locale():
    with pytest.raises(ValidationError, match="20,001"):
        validate_text("x" * 20001, max_length=20000)
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        validate_text("x" * 20001, max_length=20000)
    assert re.search(r"20[\s\u202f]001 caractères", refused.value.messages[0])


def test_a_lock_says_until_when_in_the_viewers_zone():
    with timezone.override("Europe/Paris"):
        assert "locked until 14:30 CET" in str(LoginLocked(ISSUED))
