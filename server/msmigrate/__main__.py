"""`python -m msmigrate ...` behaves like the `msmigrate` console script."""

import sys

from msmigrate.cli.main import main

sys.exit(main())
