"""Each test gets a fresh channel layer: layers keep per-loop state (locks, buffers),
and every async test runs on an event loop of its own."""

import pytest
from channels.layers import channel_layers


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
