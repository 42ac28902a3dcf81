"""`python -m clinic ...`: see clinic/cli.py."""
import sys

from clinic.cli import main

sys.exit(main())
