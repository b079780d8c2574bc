"""Workloads in fresh processes against MLPClassifier; see benchmarks/workloads.py.

python benchmarks/fresh_process.py [--repeat 5] [--workloads NAME ...]
"""

from benchmarks.workloads import main

if __name__ == "__main__":
    main()
