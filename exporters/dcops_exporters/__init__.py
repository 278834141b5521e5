"""dcops' multi-target Prometheus exporter and the Prometheus configuration it is scraped with.

    dcops exporter serve --listen 127.0.0.1:19116
    curl '127.0.0.1:19116/probe?target=sc-core-01&module=if_mib'
    dcops prometheus render --out out/prometheus --exporter 127.0.0.1:19116
"""

DEFAULT_PORT = 19116
