"""An answer that breaks its own model is a bug; the client still gets the one error shape, never pydantic's list."""

from webapp.models import Venue


def test_an_answer_that_breaks_its_model_is_a_500_with_the_error_shape(client, monkeypatch, caplog):
    original = Venue.to_feature
    monkeypatch.setattr(Venue, "to_feature", lambda self: {**original(self), "geometry": None})
    answer = client.get("/api/venues")
    assert answer.status_code == 500
    assert answer.get_json() == {
        "error": "internal",
        "message": "The server could not build this answer; the problem is logged.",
    }
    assert "GET /api/venues: the answer does not match its model" in caplog.text
