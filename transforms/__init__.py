"""Pipeline steps as functions: one sub-package per step, in run order.

Beside them: spec (the rules as data, for every step) and sample (test data, no step).
"""
