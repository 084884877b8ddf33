"""Quality stage: Great Expectations suites per record schema, the gate verdict and auditor reports."""
