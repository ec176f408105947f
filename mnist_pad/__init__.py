"""mnist-pad: draw a digit, watch a CNN read it, teach it your handwriting."""

__version__ = "0.1.0"
