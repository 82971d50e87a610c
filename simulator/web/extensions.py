"""Extensions created unbound and bound in ``create_app`` (Flask-SocketIO-Chat pattern)."""

from __future__ import annotations

from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect
from socketio.packet import Packet

socketio = SocketIO()
csrf = CSRFProtect()


class JsonPacket(Packet):
    """Socket.IO packets of our JSON-only protocol (docs/protocol.md): no binary attachments.

    By default python-socketio walks every payload it sends, recursively, looking for ``bytes`` to
    send as attachments; for a reply's pushes that walk cost more than encoding them (benchmark 2,
    docs/benchmarks.md). Our payloads never hold bytes; if one ever did, ``json.dumps`` would refuse
    it loudly instead of sending it."""

    uses_binary_events = False
