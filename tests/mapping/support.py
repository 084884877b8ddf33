"""Dataset folders for mapping tests: label files zipped as AI Hub ships them, a dataset.yaml without labels:."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import yaml

from kcore.config import load_settings
from kdata import pipeline

PAGE: dict[str, Any] = {
    "title": {"ko": "시험 데이터", "en": "Test data"},
    "description": {"ko": "라벨 매핑 시험", "en": "Label mapping test"},
    "build_year": 2023,
    "version": "1.0",
    "source": {"name": "NIA"},
    "license": {"id": "aihub-standard"},
    "quality": {"pii_policy": "mask"},
}


def write_manifest(folder: Path, dataset_id: str, domain: str, data_type: str, **extra: Any) -> Path:
    manifest = {"id": dataset_id, **PAGE, "domain": domain, "data_type": data_type, **extra}
    if domain == "healthcare":
        manifest["quality"] = {"pii_policy": "block"}  # health data is never published masked
    path = folder / "dataset.yaml"
    path.write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def tiny_dicom(width: int = 8, height: int = 6, *, pixel_bytes: int | None = None) -> bytes:
    """A DICOM Part 10 file (explicit VR little endian, 8-bit monochrome) of ``width`` x ``height``;
    ``pixel_bytes``: write that many bytes of pixel data instead of ``width * height``."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[str((width, height, pixel_bytes))])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("x.dcm", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.Modality, ds.Rows, ds.Columns = "DX", height, width
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = bytes((n * 37) % 256 for n in range(width * height if pixel_bytes is None else pixel_bytes))
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def tiny_wav(frames: int = 800, *, claim_frames: int | None = None, seed: int = 0) -> bytes:
    """A 16 kHz mono 16-bit WAV of ``frames`` frames (not very compressible); ``claim_frames``: what its
    header says instead (a cut file claims more than it holds)."""
    import struct
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(bytes((n * 131 + seed * 7) % 256 for n in range(2 * frames)))
    data = bytearray(buffer.getvalue())
    if claim_frames is not None:  # the data chunk's size (bytes 40-43 of this canonical header)
        struct.pack_into("<I", data, 40, 2 * claim_frames)
    return bytes(data)


def zip_files(path: Path, files: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def extract(dataset: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Plan and extract (no quality stage): ``(rows in order, problems, plan)``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    settings = load_settings()
    planned = pipeline.plan_run(settings, str(dataset))
    for index in range(planned["units"]):
        pipeline.extract_unit(settings, planned["run_id"], index)
    run_dir = settings.runs_dir / planned["run_id"]
    plan = json.loads((run_dir / "plan.json").read_text(encoding="utf-8"))
    units = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((run_dir / "units").glob("*.json"))]
    files = [run_dir / "chunks" / c["key"] for u in units for c in u["chunks"]]
    rows = pa.concat_tables([pq.read_table(f) for f in files]).to_pylist() if files else []
    return rows, [p for u in units for p in u["problems"]], plan
