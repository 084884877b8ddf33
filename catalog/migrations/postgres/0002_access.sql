-- Approved applications (이용 신청 승인) for datasets whose licence status requires one.
CREATE TABLE approvals (
    dataset_id VARCHAR NOT NULL,
    user_name VARCHAR NOT NULL,
    approved_by VARCHAR NOT NULL,
    approved_at TIMESTAMP NOT NULL,
    valid_until DATE,
    reason VARCHAR,
    PRIMARY KEY (dataset_id, user_name)
);
