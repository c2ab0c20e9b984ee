"""Pull connectors: document management (QLVB&ĐH), one-stop TTHC portal and reporting system.

Each connector is a set of Singer-style streams (`name`, `primary_keys`,
`replication_key`) read over HTTP with `requests`, written through `coc.ingest`.
"""
