"""The NCD communication layer: API frames, payloads, the mesh layer, ACKs and a simulator.

Pure functions over bytes (``envelope``, ``api``, ``at_frames``, ``payloads`` with
``sensor_data`` and ``commands``, ``ack``), the link settings (``link``), sealing and opening
packets (``sealing``, ``secure``), the stateful receive pipeline and repeater (``mesh``), the
stream reader (``stream``) and the radio simulator (``topology``, ``simulator``). Nothing here
knows about Waspmote configurations.
"""
