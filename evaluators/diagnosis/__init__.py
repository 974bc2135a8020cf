"""Error diagnosis of localization results: why a detector loses its mAP.

- :mod:`evaluators.diagnosis.detad`: DETAD's analyses (Alwassel et al., ECCV 2018) of temporal
  detections, with DETAD's numbers: false-positive profile, removing-error gains, false-negative
  rates and normalised-mAP sensitivity by ground-truth characteristic.
- :mod:`evaluators.diagnosis.weak_temporal`: the error types of weakly supervised temporal
  localization (under-coverage, over-extension, fragmentation, merging, boundary offset, context),
  one type per false positive and per missed instance, and the mAP gained by fixing each with an oracle.

Pure numpy; conventions in ``docs/protocols/diagnosis.md``.
"""
