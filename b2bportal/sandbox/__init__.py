"""An offline EnKash: the other side of the wire, for the demo, development and tests.

`server.SandboxServer` is the HTTP core (token endpoint, every request path, faults).
"""
