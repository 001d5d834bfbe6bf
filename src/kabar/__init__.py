"""kabar — a self-hostable multilingual news republishing platform."""

__version__ = "0.1.0"
