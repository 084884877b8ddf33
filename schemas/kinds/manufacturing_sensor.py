"""The manufacturing_sensor kind: 설비 센서 시계열 (equipment sensor time series)."""

from schemas.kinds import Demo, Kind, Sample

KIND = Kind(
    name="manufacturing_sensor",
    domain="manufacturing",
    help="설비 센서 시계열 (equipment sensor time series)",
    record_schema="schemas.records:MANUFACTURING_SENSOR",
    reader="ingest.readers.manufacturing:read_sensor",
    suite="quality.suites.manufacturing_sensor:specs",
    tasks=("time-series-forecasting",),
    samples=(
        Sample(
            "manufacturing_sensor",
            "kdata.samples.manufacturing:SensorSeries",
            domain_default=True,
            demo=Demo(items=30, layout="noprefix"),
            preset="sensor_three_block",
        ),
    ),
)
