"""K-Data Catalog landing-zone discovery DAG (built by the factory)."""

from kdata.airflow_dags import build_landing_dag

discover_landing = build_landing_dag()
