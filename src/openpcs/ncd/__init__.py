"""The NCD communication layer: API frames, payloads, the mesh layer, ACKs and a simulator.

Pure functions over bytes (``api``, ``payloads``, ``ack``), the stateful receive pipeline and
repeater (``mesh``, ``secure``), the stream reader (``stream``) and the radio simulator
(``simulator``). Nothing here knows about Waspmote configurations.
"""
