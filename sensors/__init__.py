"""The MQTT edge: parse device messages, write them through one writer, run a broker.

It imports `coc`; the core never imports it.
"""
