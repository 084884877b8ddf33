"""The label-mapping engine: any label shape, read as ``dataset.yaml``'s ``labels:`` block describes.

- :mod:`ingest.mapping.paths`: records and field paths over parsed documents;
- :mod:`ingest.mapping.formats`: JSON, JSON Lines, CSV/TSV, TXT and XML label files as documents;
- :mod:`ingest.mapping.values`: types and role shapes (boxes, polygons, keypoints);
- :mod:`ingest.mapping.engine`: a label archive → Arrow tables of rows.

``kdata inspect`` (a folder's label shapes and a suggested mapping) reads through these modules; it lives in
:mod:`kdata.inspect_labels`, above ``quality``, whose PII masking it uses.
"""
