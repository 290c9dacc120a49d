"""A liveness consumer: proves the WebSocket path and the channel layer end to end."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class PingConsumer(AsyncJsonWebsocketConsumer):
    """Answers each ping with a pong relayed through the channel layer."""

    async def connect(self):
        await self.accept()

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict) or content.get("type") != "ping":
            await self.send_json({"type": "error", "error": 'Send {"type": "ping"}.'})
            return
        await self.channel_layer.send(self.channel_name, {"type": "pong.relay"})

    async def pong_relay(self, event):
        await self.send_json({"type": "pong"})
