"""Engine tests: the ``spark`` marker, and the Spark configuration the tests run with."""

from __future__ import annotations

import pytest

#: Spark tuned for a tiny lake on a busy 2-core machine: one shuffle partition, and the JVM's
#: quick (C1) compiler only, which halves the time of short queries; not for real volumes
SPARK_TEST_CONF = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "2",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC -XX:TieredStopAtLevel=1",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "spark: runs on the Spark backend (local[2]; needs PySpark and Java 17)"
    )
