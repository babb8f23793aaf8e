"""A space's "how to use this space" article: a co-manager chooses it on the article's form,
and the space's booking pages link it, in the reader's language when there is one."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.domain import knowledge
from booking.extensions import db
from booking.models import Article
from tests.conftest import local


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_comanager_makes_an_article_the_guide_and_booking_pages_link_it(
        client, login, comanager, member, make_space, make_booking):
    space = make_space(name="Atelier Grand Format")
    login(comanager)
    response = client.post("/toolbox/new", data={
        "title": "Utiliser l’atelier", "body_markdown": "La clé est au boîtier.",
        "lang": "fr", "kind": "guide", "tags": "atelier", "space_id": space.id})
    assert response.status_code == 302
    guide = db.session.execute(select(Article)).scalar_one()
    assert guide.space_id == space.id
    start = local(2026, 12, 10, 10)
    booking = make_booking(space, member, start, start + timedelta(hours=2))
    client.post("/logout")
    login(member)
    link = f'href="/toolbox/{guide.id}"'
    for url in (f"/bookings/new?space={space.id}", f"/bookings/{booking.id}",
                f"/calendar/week?space={space.id}&date=2026-12-10",
                f"/calendar/month?space={space.id}&date=2026-12-10", "/spaces/"):
        html = _html(client, url)
        assert link in html and "Utiliser l’atelier" in html, url


def test_the_guide_in_the_readers_language_is_linked(client, login, comanager, member,
                                                   make_space, write_article):
    space = make_space()
    french = write_article(comanager, title="Utiliser le studio", space_id=space.id)
    dutch = write_article(comanager, title="De studio gebruiken", lang="nl", space_id=space.id)
    login(member)
    assert f'href="/toolbox/{french.id}"' in _html(client, "/spaces/")
    client.post("/language", data={"lang": "nl", "next": "/spaces/"})
    html = _html(client, "/spaces/")
    assert f'href="/toolbox/{dutch.id}"' in html and f'href="/toolbox/{french.id}"' not in html


def test_a_hidden_guide_and_a_space_without_one_link_nothing(client, login, comanager, member,
                                                            make_space, write_article):
    space, other = make_space(), make_space()
    guide = write_article(comanager, title="Utiliser le studio", space_id=space.id)
    knowledge.set_hidden(db.session, guide, comanager, True)
    db.session.commit()
    login(member)
    for url in (f"/calendar/week?space={space.id}", f"/calendar/week?space={other.id}"):
        assert "/toolbox/" + str(guide.id) not in _html(client, url)


def test_a_member_cannot_choose_a_spaces_guide(client, login, member, make_space,
                                               write_article):
    space = make_space()
    article = write_article(member)
    with pytest.raises(knowledge.NotAllowedHere):
        knowledge.set_space_guide(db.session, article, member, space.id)
    db.session.rollback()
    login(member)
    assert 'name="space_id"' not in _html(client, f"/toolbox/{article.id}/edit")
    client.post(f"/toolbox/{article.id}/edit", data={
        "title": article.title, "body_markdown": "Autre texte.", "tags": "assurance",
        "summary": "texte", "space_id": space.id})
    db.session.refresh(article)
    assert article.body_markdown == "Autre texte." and article.space_id is None


def test_the_spaces_page_finds_every_guide_in_one_query(client, login, member, comanager,
                                                        make_space, write_article,
                                                        count_queries):
    login(member)

    def statements():
        with count_queries() as counter:
            _html(client, "/spaces/")
        return counter.count

    write_article(comanager, title="Guide 1", space_id=make_space().id)
    few = statements()
    for number in range(2, 7):
        write_article(comanager, title=f"Guide {number}", space_id=make_space().id)
    assert statements() == few
