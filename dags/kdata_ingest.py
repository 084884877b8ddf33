"""K-Data Catalog ingest DAGs: one ``ingest_<domain>`` per roadmap domain (all 14) (built by the factory)."""

from kdata.airflow_dags import build_ingest_dag, ingest_domains

for _domain in ingest_domains():
    globals()[f"ingest_{_domain}"] = build_ingest_dag(_domain)
