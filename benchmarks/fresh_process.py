"""Workloads in fresh processes against MLPClassifier; see benchmarks/workloads.py.

python benchmarks/fresh_process.py [--repeat 5] [--workloads NAME ...]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))

from workloads import main

if __name__ == "__main__":
    main()
