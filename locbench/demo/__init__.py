"""The end-to-end demo: synth -> train -> predict -> evaluate -> report."""
