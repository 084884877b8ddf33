"""Tests for catalog.korean_text: tokenizer units and a DuckDB FTS relevance check."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from catalog.korean_text import index_terms, normalize, query_terms, strip_particles

# --------------------------------------------------------------------------
# Unit tests
# --------------------------------------------------------------------------


def _index_set(*texts: str) -> set[str]:
    return set(index_terms(*texts).split(" "))


def test_particles_are_stripped() -> None:
    assert "데이터셋" in _index_set("데이터셋을")
    assert "데이터셋" in query_terms("데이터셋을")
    assert "데이터셋" in query_terms("데이터셋입니다")
    assert "음성인식" in _index_set("음성인식용으로")
    assert strip_particles("음성인식용으로") == ["음성인식용", "음성인식"]
    assert strip_particles("영상들을") == ["영상"]
    assert "센서" in _index_set("센서에서는")
    assert "수집" in _index_set("수집했습니다")


def test_stripping_keeps_at_least_two_syllables() -> None:
    assert strip_particles("쌀을") == []
    assert strip_particles("사과") == []
    # over-stripping only adds a term: the word itself is indexed too
    assert strip_particles("어린이") == ["어린"]
    assert "어린이" in _index_set("어린이")


def test_bigrams_make_stems_and_spacing_meet() -> None:
    terms = _index_set("음성인식")
    assert {"음성인식", "음성", "성인", "인식"} <= terms
    assert "음성" in query_terms("음성")
    # spacing variants share the in-word bigrams
    assert {"자율", "주행"} <= _index_set("자율 주행")
    assert {"자율", "주행"} <= set(query_terms("자율주행"))
    assert set(query_terms("자율 주행")) <= _index_set("자율주행 차량")


def test_query_bigrams_come_from_the_stripped_word() -> None:
    terms = query_terms("데이터셋을")
    assert terms == ["데이터셋", "데이", "이터", "터셋"]
    assert "셋을" not in terms
    assert {"데이터셋을", "셋을"} <= _index_set("데이터셋을")
    # the query side drops the inflected surface form only when it strips it
    assert query_terms("데이터셋") == ["데이터셋", "데이", "이터", "터셋"]
    assert set(query_terms("어린이")) <= _index_set("어린이")


def test_single_syllables() -> None:
    assert query_terms("쌀") == ["쌀"]
    assert "쌀" in query_terms("쌀을")
    assert "쌀" in _index_set("쌀가격 예측")  # index keeps every syllable
    # no unigrams on the query side for longer words
    assert "음" not in query_terms("음성")


def test_ids_kept_whole_and_split() -> None:
    terms = _index_set("korean-sns-2024")
    assert {"korean_sns_2024", "korean", "sns", "2024"} <= terms
    assert query_terms("ko-sns-2024")[:1] == ["ko_sns_2024"]
    assert {"ko", "sns", "2024"} <= set(query_terms("ko-sns-2024"))
    assert {"x_ray", "xray", "x", "ray"} <= _index_set("X-ray")
    assert "weather_sensor_2021" in _index_set("weather_sensor_2021")


def test_digits_kept() -> None:
    assert "2024" in query_terms("2024")
    assert {"2024", "년"} <= _index_set("2024년 수집")
    assert {"160", "만"} <= _index_set("160만 쌍")
    assert "1000" in query_terms("1,000시간")
    assert "3d" in _index_set("3D 스캔")


def test_nfkc_and_case() -> None:
    assert normalize("２０２４") == "2024"
    assert query_terms("２０２４") == ["2024"]
    assert query_terms("ＳＮＳ") == ["sns"]
    assert query_terms("KO\u2013SNS") == query_terms("ko-sns")  # en dash
    # decomposed Hangul (NFD) composes back to syllables
    import unicodedata

    assert query_terms(unicodedata.normalize("NFD", "음성")) == ["음성"]


def test_english_plural_folding() -> None:
    assert {"reviews", "review"} <= _index_set("Reviews")
    assert "category" in query_terms("categories")
    assert "speech" in query_terms("speech")
    assert query_terms("class") == ["class"]
    assert query_terms("news statistics") == ["news", "statistics"]


def test_mixed_script_and_noise() -> None:
    assert query_terms("SNS데이터") == ["sns", "데이터", "데이", "이터"]
    assert query_terms("ㅋㅋ !!! ...") == []
    assert index_terms("") == ""


def test_output_is_deterministic_deduplicated_and_whitespace_free() -> None:
    text = (
        "한국어 SNS 대화 데이터셋입니다. 대화를 수집했습니다.",
        "ko-sns-2024 Korean SNS",
    )
    first = index_terms(*text)
    assert first == index_terms(*text)
    terms = first.split(" ")
    assert len(terms) == len(set(terms))
    assert all(t and not any(c.isspace() for c in t) for t in terms)
    q = query_terms("자율 주행 자율주행 영상을")
    assert len(q) == len(set(q))


# --------------------------------------------------------------------------
# Relevance test over a real DuckDB FTS index
# --------------------------------------------------------------------------

# (id, Korean title, English title, description, keywords)
# fmt: off
DATASETS: list[tuple[str, str, str, str, str]] = [
    ("ko-sns-2024", "한국어 SNS 대화 데이터", "Korean SNS Conversation Dataset",
     "소셜 미디어에서 수집한 일상 대화를 주제별로 정리한 텍스트 데이터셋입니다.", "대화, 텍스트, SNS"),
    ("sns-sentiment-2019", "한국어 SNS 게시글 감성 분석", "Korean SNS Post Sentiment",
     "2019년 트위터 게시글의 긍정, 부정 감성을 라벨링했습니다.", "감성, 분류"),
    ("autonomous-driving-video", "자율주행 차량 주행 영상", "Autonomous Driving Vehicle Video",
     "도심과 고속도로에서 촬영한 차량 전방 카메라 영상과 객체 바운딩 박스를 제공합니다.", "자율주행, 객체 탐지"),
    ("bus-driver-drowsiness", "버스 운전자 졸음 영상", "Bus Driver Drowsiness Video",
     "버스 운전석 카메라로 운전자의 졸음과 부주의 행동을 촬영했습니다.", "운전자, 안전"),
    ("dialect-speech-2023", "음성인식용 방언 발화 데이터", "Dialect Speech for ASR",
     "경상도, 전라도, 제주도 화자의 방언 발화를 녹음하고 전사한 음성 데이터입니다.", "방언, 음성인식, ASR"),
    ("dialect-text", "방언 텍스트 말뭉치", "Korean Dialect Text Corpus",
     "강원도와 충청도 방언 문장을 표준어와 대응시킨 텍스트 데이터입니다.", "방언, 표준어"),
    ("crop-disease-image", "농작물 병해 이미지", "Crop Disease Images",
     "고추, 배추, 벼의 병해충 피해 잎을 촬영한 이미지와 병명 라벨을 포함합니다.", "농업, 병해충"),
    ("rice-quality", "쌀 품질 판정 이미지", "Rice Grain Quality Images",
     "쌀알의 깨짐과 변색 여부를 판정하기 위한 고해상도 이미지입니다.", "농산물, 품질"),
    ("drone-farmland", "드론 농경지 항공 영상", "Drone Farmland Aerial Imagery",
     "드론으로 촬영한 논밭 항공 사진에 작물 종류를 분할 라벨링했습니다.", "드론, 농업"),
    ("boiler-sensor", "제조 설비 보일러 센서 데이터", "Manufacturing Boiler Sensor Data",
     "산업용 보일러의 온도, 압력, 진동 센서 시계열을 1초 간격으로 수집했습니다.", "제조, 설비, 센서"),
    ("elevator-iot-sensor", "승강기 IoT 센서", "Elevator IoT Sensor Data",
     "승강기 모터의 전류와 진동을 측정하여 고장을 예측하기 위한 시계열입니다.", "IoT, 예지보전"),
    ("smart-factory-defect", "스마트팩토리 제품 불량 이미지", "Smart Factory Product Defect Images",
     "생산 라인에서 촬영한 부품 표면의 스크래치와 찍힘 불량을 검출하기 위한 이미지입니다.", "제조, 불량"),
    ("chest-xray", "의료 흉부 X-ray 영상", "Medical Chest X-ray Images",
     "폐렴과 결핵 소견이 표시된 흉부 엑스레이 판독 영상 데이터셋입니다.", "의료, 영상의학"),
    ("medical-qa", "의료 질의응답", "Medical Question Answering",
     "환자 질문에 대한 의사의 답변을 진료 과목별로 분류한 질의응답 데이터셋입니다.", "의료, QA"),
    ("legal-precedent-summary", "법률 판례 요약", "Legal Precedent Summarization",
     "대법원 판례 원문과 전문가가 작성한 요약문 쌍으로 구성된 말뭉치입니다.", "법률, 요약"),
    ("news-summary-2022", "뉴스 기사 요약", "News Article Summarization",
     "2022년 종합 일간지 기사의 추출 요약과 생성 요약을 제공합니다.", "뉴스, 요약"),
    ("patent-classification", "특허 문서 분류", "Patent Document Classification",
     "특허 명세서의 청구항과 초록을 IPC 분류 코드별로 정리했습니다.", "특허, 분류"),
    ("finance-counsel-dialog", "금융 상담 대화", "Financial Counseling Dialogues",
     "은행 콜센터의 대출, 예금 상담 대화를 비식별화하여 텍스트로 전사했습니다.", "금융, 상담"),
    ("call-center-speech", "콜센터 상담 음성", "Call Center Speech",
     "통신사 고객센터 상담원과 고객의 통화 음성 및 전사 텍스트입니다.", "콜센터, 음성"),
    ("meeting-speech", "회의 음성 전사", "Meeting Speech Transcription",
     "공공기관 회의를 녹음한 다화자 음성과 발화자별 전사문입니다.", "회의, 다화자"),
    ("kid-speech", "아동 음성 발화", "Child Speech Corpus",
     "만 3세부터 10세까지 아동이 읽은 문장을 녹음한 음성 데이터입니다.", "아동, 음성"),
    ("elderly-speech", "노인 음성 인식 데이터", "Elderly Speech Recognition",
     "65세 이상 고령 화자의 자유 발화를 녹음하여 음성 인식 모델 학습에 활용합니다.", "고령자, 음성"),
    ("emotion-tts", "감정 음성 합성", "Emotional Speech Synthesis (TTS)",
     "성우가 기쁨, 슬픔, 분노 등 7가지 감정으로 낭독한 음성 합성용 데이터입니다.", "TTS, 감정"),
    ("hate-speech-comments", "혐오 표현 댓글", "Hate Speech Comments",
     "온라인 뉴스 댓글에서 혐오 표현과 욕설을 탐지하기 위한 텍스트입니다.", "혐오, 댓글"),
    ("sports-motion-video", "스포츠 동작 영상", "Sports Motion Video",
     "축구, 농구, 태권도 선수의 동작을 다중 카메라로 촬영하고 관절 키포인트를 라벨링했습니다.", "스포츠, 자세"),
    ("tourism-review", "관광지 리뷰 텍스트", "Tourist Attraction Reviews",
     "전국 관광지에 대한 방문객 리뷰와 감성 점수를 담은 데이터입니다.", "관광, 리뷰"),
    ("pedestrian-cctv", "보행자 CCTV 영상", "Pedestrian CCTV Video",
     "횡단보도와 골목에서 촬영한 보행자 이상행동 영상을 수집했습니다.", "CCTV, 보행자"),
    ("fire-detection-cctv", "화재 발생 감지 영상", "Fire and Smoke Detection Video",
     "실내외 CCTV에서 촬영한 화재와 연기 발생 장면을 라벨링한 영상 데이터입니다.", "화재, 안전"),
    ("traffic-sign", "교통 표지판 인식 이미지", "Traffic Sign Recognition",
     "도로 교통 표지판과 신호등을 촬영하고 종류별로 분류했습니다.", "교통, 표지판"),
    ("ko-en-translation", "한영 번역 말뭉치", "Korean-English Parallel Corpus",
     "뉴스와 기술 문서에서 추출한 한국어-영어 병렬 문장 160만 쌍입니다.", "번역, 병렬"),
    ("sign-language-video", "수어 영상", "Korean Sign Language Video",
     "청각장애인이 사용하는 한국 수어 문장을 촬영한 영상과 한국어 번역문입니다.", "수어, 장애인"),
    ("receipt-ocr", "영수증 OCR 이미지", "Receipt OCR",
     "편의점과 식당 영수증을 촬영한 이미지에서 품목과 금액을 인식하기 위한 문자 인식 데이터입니다.", "OCR, 영수증"),
    ("handwriting-ocr", "한글 손글씨 인식", "Korean Handwriting OCR",
     "다양한 연령대가 쓴 한글 필기체 이미지와 정답 텍스트 쌍입니다.", "손글씨, OCR"),
    ("signboard-ocr", "간판 글자 인식", "Signboard Text Recognition",
     "거리 상점 간판의 한글과 영문 글자 영역을 표시한 이미지입니다.", "간판, OCR"),
    ("food-image", "한식 음식 이미지", "Korean Food Images",
     "김치찌개, 비빔밥 등 한식 150종의 음식 사진과 칼로리 정보입니다.", "음식, 한식"),
    ("weather-sensor-2021", "기상 관측 센서", "Weather Observation Sensors",
     "2021년 전국 자동기상관측소의 기온, 습도, 풍속 관측값입니다.", "기상, 센서"),
    ("livestock-behavior", "축산 가축 행동 영상", "Livestock Behavior Video",
     "돼지와 소의 사육 환경에서 섭식, 휴식 행동을 촬영한 영상입니다.", "축산, 가축"),
    ("fish-species", "수산물 어종 이미지", "Fish Species Images",
     "연근해에서 잡힌 고등어, 갈치 등 어종별 이미지입니다.", "수산, 어종"),
    ("wildlife-camera", "야생동물 무인카메라 이미지", "Wildlife Camera Trap Images",
     "국립공원 무인카메라에 찍힌 고라니, 멧돼지 등 야생동물 사진입니다.", "야생동물, 생태"),
    ("indoor-3d-scan", "실내 공간 3D 스캔", "Indoor 3D Scan",
     "아파트와 사무실 실내를 라이다로 스캔한 3차원 점군 데이터입니다.", "3D, 라이다"),
    ("storybook-text", "동화 텍스트 말뭉치", "Children's Storybook Corpus",
     "아동용 동화책 문장을 수집하고 어휘 난이도를 태깅했습니다.", "동화, 아동"),
]
# fmt: on

# Queries the way users type them: stems, particle forms, spacing variants,
# English words, exact ids, numbers and mixed scripts.
QUERIES: list[tuple[str, str]] = [
    # stems and particle forms
    ("음성인식 방언", "dialect-speech-2023"),
    ("방언 발화를", "dialect-speech-2023"),
    ("흉부 영상을", "chest-xray"),
    ("판례를 요약", "legal-precedent-summary"),
    ("법률", "legal-precedent-summary"),
    ("병해", "crop-disease-image"),
    ("고추 병해충을", "crop-disease-image"),
    ("보일러의 온도", "boiler-sensor"),
    ("대출 상담 대화를", "finance-counsel-dialog"),
    ("의료 질의응답을", "medical-qa"),
    ("수산", "fish-species"),
    ("자율", "autonomous-driving-video"),
    ("번역", "ko-en-translation"),
    # spacing variants
    ("자율 주행", "autonomous-driving-video"),
    ("자율주행차", "autonomous-driving-video"),
    ("노인 음성인식", "elderly-speech"),
    ("드론 항공사진", "drone-farmland"),
    ("교통표지판", "traffic-sign"),
    ("스마트 팩토리", "smart-factory-defect"),
    ("감정 음성합성", "emotion-tts"),
    ("회의록 음성", "meeting-speech"),
    # one-syllable and short Korean words
    ("쌀", "rice-quality"),
    ("수어", "sign-language-video"),
    ("가축", "livestock-behavior"),
    ("고라니", "wildlife-camera"),
    ("비빔밥", "food-image"),
    ("영수증", "receipt-ocr"),
    ("손글씨", "handwriting-ocr"),
    ("간판", "signboard-ocr"),
    ("태권도", "sports-motion-video"),
    ("고등어", "fish-species"),
    ("혐오 표현", "hate-speech-comments"),
    ("운전자 졸음", "bus-driver-drowsiness"),
    ("승강기 고장 예측", "elevator-iot-sensor"),
    ("화재 감지", "fire-detection-cctv"),
    ("특허 분류", "patent-classification"),
    ("관광지 리뷰", "tourism-review"),
    ("스포츠 동작", "sports-motion-video"),
    ("금융 상담", "finance-counsel-dialog"),
    ("아동 음성", "kid-speech"),
    # English
    ("speech dialect", "dialect-speech-2023"),
    ("tourist reviews", "tourism-review"),
    ("medical question answering", "medical-qa"),
    ("sign language", "sign-language-video"),
    ("TTS", "emotion-tts"),
    ("x-ray", "chest-xray"),
    ("xray", "chest-xray"),
    ("boiler sensor", "boiler-sensor"),
    # ids and numbers
    ("ko-sns-2024", "ko-sns-2024"),
    ("weather-sensor-2021", "weather-sensor-2021"),
    ("2024", "ko-sns-2024"),
    ("２０２４", "ko-sns-2024"),
    ("160만", "ko-en-translation"),
    # mixed scripts
    ("SNS 대화", "ko-sns-2024"),
    ("SNS 감성 분석 2019", "sns-sentiment-2019"),
    ("CCTV 보행자", "pedestrian-cctv"),
    ("3D 스캔", "indoor-3d-scan"),
    ("2021 기상", "weather-sensor-2021"),
    ("한국어-영어 번역", "ko-en-translation"),
    ("OCR 영수증을", "receipt-ocr"),
    # more particle forms and spacing variants as typed
    ("방언으로", "dialect-speech-2023"),
    ("요약문을", "legal-precedent-summary"),
    ("흉부엑스레이", "chest-xray"),
    ("야생동물을", "wildlife-camera"),
    ("의료영상", "chest-xray"),
    ("어종별로", "fish-species"),
    ("한식을", "food-image"),
    ("스포츠 영상에서", "sports-motion-video"),
    ("음성합성용", "emotion-tts"),
    ("보일러 센서를", "boiler-sensor"),
]

TOP_K = 5
MIN_RECALL = 0.9


def _extension_directory() -> Path | None:
    spec = importlib.util.find_spec("duckdb_ext")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "extensions"
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture()
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    ext_dir = _extension_directory()
    if ext_dir is None:
        pytest.skip("offline DuckDB FTS extension (duckdb_ext) not installed")
    connection = duckdb.connect(
        ":memory:",
        config={
            "extension_directory": str(ext_dir),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    connection.execute("LOAD fts")
    try:
        yield connection
    finally:
        connection.close()


def _raw_text(row: tuple[str, str, str, str, str]) -> str:
    return " ".join(row)


def _recall_at_k(
    con: duckdb.DuckDBPyConnection,
    table: str,
    to_query: dict[str, str],
    k: int = TOP_K,
) -> tuple[float, list[tuple[str, str, list[str]]]]:
    """Share of QUERIES whose expected id is in the top k; also the misses."""
    sql = (
        f"SELECT id FROM (SELECT id, fts_main_{table}.match_bm25(id, ?) AS score FROM {table}) "
        "WHERE score IS NOT NULL ORDER BY score DESC, id LIMIT ?"
    )
    hits = 0
    misses: list[tuple[str, str, list[str]]] = []
    for query, expected in QUERIES:
        top = [r[0] for r in con.execute(sql, [to_query[query], k]).fetchall()]
        if expected in top:
            hits += 1
        else:
            misses.append((query, expected, top))
    return hits / len(QUERIES), misses


# The index over the tokenizer's output: split on whitespace only, keep every
# character (Hangul, digits, '_'), no stemming, no stop words.
CREATE_TOKENIZED = (
    "PRAGMA create_fts_index('docs', 'id', 'terms', stemmer='none', stopwords='none', "
    r"ignore='\s+', strip_accents=0, lower=1, overwrite=1)"
)


def test_dataset_fixture_is_consistent() -> None:
    ids = [row[0] for row in DATASETS]
    assert len(ids) == len(set(ids)) >= 40
    assert len(QUERIES) >= 30
    assert {expected for _, expected in QUERIES} <= set(ids)


def test_relevance_recall_at_5(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE docs (id VARCHAR, terms VARCHAR)")
    con.executemany(
        "INSERT INTO docs VALUES (?, ?)",
        [(row[0], index_terms(*row)) for row in DATASETS],
    )
    con.execute(CREATE_TOKENIZED)
    tokenized = {q: " ".join(query_terms(q)) for q, _ in QUERIES}
    recall, misses = _recall_at_k(con, "docs", tokenized)

    # Baseline 1: the raw text with DuckDB's default FTS settings (porter stemmer,
    # English stop words; in 1.4.4 the default ignore pattern deletes digits and
    # ASCII punctuation and keeps Hangul, which is then split on whitespace only).
    con.execute("CREATE TABLE raw_default (id VARCHAR, body VARCHAR)")
    con.executemany(
        "INSERT INTO raw_default VALUES (?, ?)",
        [(row[0], _raw_text(row)) for row in DATASETS],
    )
    con.execute("PRAGMA create_fts_index('raw_default', 'id', 'body', overwrite=1)")
    raw_queries = {q: q for q, _ in QUERIES}
    recall_default, _ = _recall_at_k(con, "raw_default", raw_queries)

    # Baseline 2: the raw text split on whitespace and punctuation only, which keeps
    # Hangul and digits but does nothing about particles or spacing.
    con.execute("CREATE TABLE raw_ws (id VARCHAR, body VARCHAR)")
    con.executemany(
        "INSERT INTO raw_ws VALUES (?, ?)",
        [(row[0], _raw_text(row)) for row in DATASETS],
    )
    con.execute(
        "PRAGMA create_fts_index('raw_ws', 'id', 'body', stemmer='none', stopwords='none', "
        r"ignore='[\s\p{P}\p{S}]+', strip_accents=0, lower=1, overwrite=1)"
    )
    recall_ws, _ = _recall_at_k(con, "raw_ws", raw_queries)

    print(
        f"\nrecall@{TOP_K} over {len(QUERIES)} queries / {len(DATASETS)} datasets: "
        f"korean_text={recall:.3f}  raw+default FTS={recall_default:.3f}  "
        f"raw+whitespace/punct FTS={recall_ws:.3f}"
    )
    for query, expected, top in misses:
        print(f"  miss: {query!r} -> expected {expected}, got {top}")

    assert recall >= MIN_RECALL, misses
    assert recall_default < recall
    assert recall_ws < recall


def test_tokenized_index_keeps_hangul_digits_and_underscores(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("CREATE TABLE docs (id VARCHAR, terms VARCHAR)")
    con.execute(
        "INSERT INTO docs VALUES (?, ?)",
        ["ko-sns-2024", index_terms("한국어 SNS 대화를", "ko-sns-2024")],
    )
    con.execute(CREATE_TOKENIZED)
    dictionary = {r[0] for r in con.execute("SELECT term FROM fts_main_docs.dict").fetchall()}
    assert set(index_terms("한국어 SNS 대화를", "ko-sns-2024").split(" ")) == dictionary
    assert {"ko_sns_2024", "2024", "대화", "한국어"} <= dictionary
