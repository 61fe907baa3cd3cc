"""Run ctcm as ``python -m ctcm``."""

from ctcm.cli.app import main

main()
