"""Synthetic benchmark in the real dataset formats: UCF101-24-like clips with boxes, THUMOS'14-like untrimmed videos."""
from locbench.synth.thumos_like import make_thumos_like
from locbench.synth.ucf_like import make_ucf_like

__all__ = ["make_ucf_like", "make_thumos_like"]
