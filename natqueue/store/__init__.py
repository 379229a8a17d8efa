"""The plumbing: the Redis connection and its scripts (``backend``), how a URL becomes a client
(``connect``), the embedded server (``embedded``), batched script calls (``batching``) and each
site's event stream (``feed``)."""
