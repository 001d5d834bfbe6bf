"""Benchmarks that measure kabar's pipeline stages against public data sets."""
