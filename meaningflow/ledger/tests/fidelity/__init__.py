"""Fidelity to the seed: every worked example of annex 4 (附件四, the contribution-value
system) in seed 001 (the core design document, see docs/SPEC.md), each quoting the seed's sentence
and its place, computed through the real formulas, services and selectors. Where the seed
contradicts SPEC, the test asserts SPEC's decision and says so (issue 11 item 5)."""
