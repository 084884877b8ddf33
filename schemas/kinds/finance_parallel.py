"""The finance_parallel kind: 금융 한영 병렬 말뭉치 (finance parallel corpus), read by its labels: mapping alone."""

from schemas.kinds import Demo, Kind, Sample

KIND = Kind(
    name="finance_parallel",
    domain="finance",
    help="금융 한영 병렬 말뭉치, labels: 매핑만 (finance parallel corpus, read by its labels: mapping)",
    samples=(
        Sample(
            "finance_parallel",
            "kdata.samples.mapped:FinanceParallel",
            domain_default=True,
            demo=Demo(items=40, layout="modern"),
        ),
    ),
)
