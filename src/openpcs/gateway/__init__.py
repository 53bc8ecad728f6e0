"""The gateway: ingest adapters, the pipeline, storage, forwarders and the query API."""
