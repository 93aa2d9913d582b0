"""Structured (record) dtypes and dates (numpy_dist issue 22)."""
