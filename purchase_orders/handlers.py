"""Handlers for this app's network messages: {message type: function}.

None yet: messages for these documents are recorded, acknowledged and kept as
"awaiting handler" until handlers exist, then processed by `reprocess_inbound`.
"""

HANDLERS = {}
