"""/healthz and /readyz, as a load balancer sees them."""

from tests.servers import free_port


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_answers_when_the_database_answers(client):
    assert client.get("/readyz").get_json() == {"status": "ready"}


def test_readyz_names_an_unreachable_message_queue(make_app):
    app = make_app(SOCKETIO_MESSAGE_QUEUE=f"redis://127.0.0.1:{free_port()}/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == "not_ready" and "message queue" in body["message"]
