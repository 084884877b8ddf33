# K-Data Catalog on the official Airflow 3.3 image: the project and its locked dependencies installed.
FROM apache/airflow:3.3.2-python3.11

USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-nanum \
    && rm -rf /var/lib/apt/lists/*
USER airflow

WORKDIR /opt/kdata
COPY --chown=airflow:root pyproject.toml uv.lock README.md ./
COPY --chown=airflow:root kdata ./kdata
COPY --chown=airflow:root schemas ./schemas
COPY --chown=airflow:root ingest ./ingest
COPY --chown=airflow:root quality ./quality
COPY --chown=airflow:root storage ./storage
COPY --chown=airflow:root catalog ./catalog
COPY --chown=airflow:root kcore ./kcore
COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root plugins /opt/airflow/plugins

# The lockfile is the constraint: export it and install exactly those versions.
RUN pip install --no-cache-dir uv==0.13.9 \
    && uv export --frozen --no-dev --no-emit-project --format requirements-txt > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && pip install --no-cache-dir --no-deps . \
    && rm /tmp/requirements.txt
