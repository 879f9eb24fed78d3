"""The pages show provenance (issue 19): what a statement inherits through a reference
back, marked as inherited, with a link to the statement it comes from; which statements
concern an actor or area only by reference; and each fact from outside the text with its
source and date. Server-rendered, in Swedish and English, without inline script."""

from __future__ import annotations

import re

from tests.support.inprocess import Client
from tests.test_web_pages import assert_good_html, get_html

PLAN = "trygghet-vivalla-ej-sarskilt-utsatt-2027"
DIALOGUE = "trygghet-vivalla-plan-i-dialog"
SOURCE = (
    "https://www.na.se/artikel/"
    "vi-kanske-har-varit-naiva-politikerna-darfor-brottas-vivalla-fortfarande-med-kriminaliteten"
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def _section(html: str, heading_id: str) -> str:
    """The HTML of the <section> whose heading has this id."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_a_commitment_shows_its_inherited_area_and_where_it_comes_from(http: Client) -> None:
    html = get_html(http, f"/id/commitment/{DIALOGUE}").text
    page = assert_good_html(html, DIALOGUE)
    assert "Ärvda områden" in page.all_text
    assert "ärvt" in page.all_text
    assert "/id/area/vivalla" in page.links
    # The statement it comes from, linked, and the reference itself.
    assert f"/id/commitment/{PLAN}" in page.links
    assert "Syftar på" in page.all_text
    assert not INLINE_SCRIPT.search(html)
    english = get_html(http, f"/id/commitment/{DIALOGUE}?lang=en").text
    assert "Inherited areas" in english
    assert "inherited" in english
    assert "Refers to" in english


def test_the_statement_referred_to_lists_who_refers_to_it(http: Client) -> None:
    page = assert_good_html(get_html(http, f"/id/commitment/{PLAN}").text, PLAN)
    assert "Hänvisas till av" in page.all_text
    assert f"/id/commitment/{DIALOGUE}" in page.links


def test_a_context_statement_shows_inherited_actors(http: Client) -> None:
    # "Överenskommelsen" (2) refers to the agreement of sentence 1 and takes its parties.
    html = get_html(http, "/id/context/inledning-ekonomiskt-lage").text
    page = assert_good_html(html, "context 2")
    assert "Ärvda aktörer" in page.all_text
    for party in ("socialdemokraterna", "moderaterna", "centerpartiet"):
        assert f"/id/actor/{party}" in page.links
    assert "/id/context/inledning-overenskommelse-kommunledning" in page.links


def test_an_area_page_lists_the_statements_that_concern_it_by_reference(http: Client) -> None:
    html = get_html(http, "/id/area/vivalla").text
    assert_good_html(html, "vivalla")
    by_reference = _section(html, "by-reference")
    assert f'href="/id/commitment/{DIALOGUE}"' in by_reference
    assert f'href="/id/commitment/{PLAN}"' in by_reference  # where it comes from
    assert "Genom hänvisning (ärvt)" in html
    english = get_html(http, "/id/area/vivalla?lang=en").text
    assert "By reference (inherited)" in english


def test_an_actor_page_lists_inherited_mentions(http: Client) -> None:
    html = get_html(http, "/id/actor/socialdemokraterna").text
    by_reference = _section(html, "by-reference")
    assert 'href="/id/context/inledning-ekonomiskt-lage"' in by_reference


def test_a_fact_from_outside_the_text_is_shown_with_its_source_and_date(http: Client) -> None:
    # Vivalla's police classification is the shipped data's sourced fact (codebook,
    # section 12): the page shows it apart from the text's facts, with its source linked
    # and its date.
    html = get_html(http, "/id/area/vivalla").text
    assert_good_html(html, "vivalla, sourced")
    facts = _section(html, "sourced")
    assert f'href="{SOURCE}"' in facts
    assert 'rel="external"' in facts
    assert '<time datetime="2021">' in facts
    assert "särskilt utsatt område" in facts
    assert "Uppgifter från andra källor" in html
    english = get_html(http, "/id/area/vivalla?lang=en").text
    assert "Facts from other sources" in english
    assert not INLINE_SCRIPT.search(html)


def test_a_record_without_sourced_facts_shows_no_such_section(http: Client) -> None:
    html = get_html(http, "/id/area/varberga").text
    assert 'id="sourced"' not in html
