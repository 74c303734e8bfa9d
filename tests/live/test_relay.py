"""The client managers: a leaving client is forgotten everywhere, without a scan over every room."""

from webapp.extensions import socketio
from webapp.live.relay import LocalManager


def test_one_process_uses_the_manager_that_knows_each_clients_rooms(app):
    assert isinstance(socketio.server.manager, LocalManager)


def test_disconnected_clients_leave_no_room_behind(app):
    clients = [socketio.test_client(app, auth={"since": 0}) for _ in range(5)]
    manager = socketio.server.manager
    sids = [sid for sid, _ in manager.get_participants("/", None)]
    assert len(sids) == 5
    assert all(manager.get_rooms(sid, "/") == [sid] for sid in sids)
    for client in clients[:3]:
        client.disconnect()
    left = {sid for sid, _ in manager.get_participants("/", None)}
    assert len(left) == 2
    assert set(manager.rooms["/"]) == {None, *left}
    for client in clients[3:]:
        client.disconnect()
    assert "/" not in manager.rooms
    assert manager._joined == {}
