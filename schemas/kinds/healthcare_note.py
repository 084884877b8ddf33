"""The healthcare_note kind: 임상 기록 (clinical notes)."""

from schemas.kinds import Demo, Kind, Sample

KIND = Kind(
    name="healthcare_note",
    domain="healthcare",
    help="임상 기록 (clinical notes)",
    record_schema="schemas.records:HEALTHCARE_NOTE",
    reader="ingest.readers.healthcare:read_note",
    suite="quality.suites.healthcare_note:specs",
    tasks=("text-classification",),
    samples=(
        Sample(
            "healthcare_note",
            "kdata.samples.healthcare:ClinicalNotes",
            demo=Demo(items=40, layout="classic"),
            preset="healthcare_note",
        ),
    ),
)
