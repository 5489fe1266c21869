"""Documents kept in the answer outbox come back exactly as they went in."""

from __future__ import annotations

from hypothesis import given, settings

from bot.render.codec import document_from_json, document_to_json
from bot.render.document import Document
from tests.render.render_strategies import documents


@settings(max_examples=50)
@given(documents)
def test_a_document_survives_its_trip_through_json(doc: Document) -> None:
    assert document_from_json(document_to_json(doc)) == doc
