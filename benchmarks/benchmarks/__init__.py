"""asv benchmarks of skdigits: accuracy and speed, against MLPClassifier."""
